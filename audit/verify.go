package audit

import (
	"bytes"
	"context"
	"encoding/hex"

	"github.com/drivewayhq/driveway"
)

// Report is the outcome of Verify.
type Report struct {
	OK       bool   `json:"ok"`
	Checked  int    `json:"checked"`
	FirstSeq int64  `json:"firstSeq"`
	HeadSeq  int64  `json:"headSeq"`
	HeadHash string `json:"headHash"` // hex; keep it elsewhere to detect a truncated tail
	// BrokenAt is the first entry whose hash or link is wrong, 0 when none.
	BrokenAt int64  `json:"brokenAt,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// verifyPage is how many entries Verify reads at once.
const verifyPage = 1000

// Verify walks the whole trail in order and checks that each entry's hash
// is its ChainHash and that it links to the entry before it. The oldest
// entry kept is trusted as the anchor (retention deletes the oldest
// entries); a gap in Seq after it, an edited field, a replaced hash or a
// removed row in the middle each break the chain. A removed tail is not
// visible to the chain alone: compare HeadSeq and HeadHash with a copy kept
// elsewhere (an export, a SIEM).
func Verify(ctx context.Context, store driveway.AuditQueries) (Report, error) {
	var rep Report
	var prev *driveway.AuditEntry
	for {
		page, err := store.ListAudit(ctx, driveway.AuditFilter{After: rep.HeadSeq}, verifyPage)
		if err != nil {
			return rep, err
		}
		for _, e := range page {
			if reason := check(prev, e); reason != "" {
				rep.BrokenAt, rep.Reason = e.Seq, reason
				return rep, nil
			}
			if prev == nil {
				rep.FirstSeq = e.Seq
			}
			prev, rep.Checked, rep.HeadSeq, rep.HeadHash = e, rep.Checked+1, e.Seq, hex.EncodeToString(e.Hash)
		}
		if len(page) < verifyPage {
			rep.OK = true
			return rep, nil
		}
	}
}

// check returns why e does not follow prev, "" when it does.
func check(prev, e *driveway.AuditEntry) string {
	if !bytes.Equal(e.ChainHash(), e.Hash) {
		return "the entry's content does not match its hash"
	}
	if prev == nil {
		if e.Seq == 1 && len(e.PrevHash) != 0 {
			return "the first entry links to a predecessor"
		}
		return ""
	}
	if e.Seq != prev.Seq+1 {
		return "entries are missing before this one"
	}
	if !bytes.Equal(e.PrevHash, prev.Hash) {
		return "the entry does not link to the one before it"
	}
	return ""
}
