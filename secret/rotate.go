package secret

import (
	"context"
	"fmt"

	"github.com/drivewayhq/driveway"
)

// DefaultRotateBatch is the page size Rotate uses when given 0 or less.
const DefaultRotateBatch = 500

// RotateResult counts what Rotate did.
type RotateResult struct {
	Scanned  int // sealed values seen in the re-sealing pass
	Resealed int // values re-sealed under the newest key
	// Skipped values changed between being read and being replaced: their
	// writer sealed them anew, under the newest key.
	Skipped int
}

// Rotate re-seals every value of store that ring.Current says is not under
// the newest key, batchSize values at a time (DefaultRotateBatch if 0).
//
// It first counts the stale values (total), then walks them again and swaps
// each with ReplaceSealed, a compare-and-swap: a value rewritten meanwhile is
// skipped, and Rotate may stop at any point (a cancelled ctx, a crash) and
// run again to finish. progress, when not nil, is called after each page
// with the stale values handled so far and the total counted first.
//
// A value that does not open (tampered, or its key is no longer in ring)
// stops Rotate with an error naming where it lives.
func Rotate(ctx context.Context, store driveway.Queries, ring *Keyring, batchSize int, progress func(done, total int)) (RotateResult, error) {
	if batchSize <= 0 {
		batchSize = DefaultRotateBatch
	}
	total, err := countStale(ctx, store, ring, batchSize)
	if err != nil {
		return RotateResult{}, err
	}
	var res RotateResult
	var after driveway.SealedRef
	for {
		page, err := store.ListSealed(ctx, after, batchSize)
		if err != nil {
			return res, fmt.Errorf("rotate secrets: list: %w", err)
		}
		for _, v := range page {
			if err := ctx.Err(); err != nil {
				return res, fmt.Errorf("rotate secrets: %w", err)
			}
			res.Scanned++
			if ring.Current(v.Ciphertext) {
				continue
			}
			if err := reseal(ctx, store, ring, v, &res); err != nil {
				return res, err
			}
		}
		if progress != nil && len(page) > 0 {
			progress(res.Resealed+res.Skipped, total)
		}
		if len(page) < batchSize {
			return res, nil
		}
		after = page[len(page)-1].Ref
	}
}

func reseal(ctx context.Context, store driveway.Queries, ring *Keyring, v driveway.SealedValue, res *RotateResult) error {
	plain, err := ring.Open(v.Ciphertext, v.Ref)
	if err != nil {
		return fmt.Errorf("rotate secrets: %s.%s row %q: %w", v.Ref.Table, v.Ref.Column, v.Ref.Row, err)
	}
	fresh, err := ring.Seal(plain, v.Ref)
	clear(plain)
	if err != nil {
		return fmt.Errorf("rotate secrets: %w", err)
	}
	ok, err := store.ReplaceSealed(ctx, v, fresh)
	if err != nil {
		return fmt.Errorf("rotate secrets: replace %s.%s row %q: %w", v.Ref.Table, v.Ref.Column, v.Ref.Row, err)
	}
	if ok {
		res.Resealed++
	} else {
		res.Skipped++
	}
	return nil
}

// countStale counts the values not sealed under the newest key.
func countStale(ctx context.Context, store driveway.Queries, ring *Keyring, batchSize int) (int, error) {
	var n int
	var after driveway.SealedRef
	for {
		page, err := store.ListSealed(ctx, after, batchSize)
		if err != nil {
			return 0, fmt.Errorf("rotate secrets: count: %w", err)
		}
		for _, v := range page {
			if !ring.Current(v.Ciphertext) {
				n++
			}
		}
		if len(page) < batchSize {
			return n, nil
		}
		after = page[len(page)-1].Ref
	}
}
