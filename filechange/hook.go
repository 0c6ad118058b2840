package filechange

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/riverqueue/river"
)

// HookArgs is the job that hands one delta round's changes to the Hook. It
// is inserted in the round's transaction, so the hook hears of every
// committed change even when the node stops right after the commit. It
// runs at least once: a hook error retries the job, which calls the hook
// again for each change (Change.ID lets the hook drop repeats).
type HookArgs struct {
	Changes []*Change `json:"changes"`
}

// Kind is the job's stable kind.
func (HookArgs) Kind() string { return "filechange.hook" }

func hookArgsOf(changes []*Change) HookArgs { return HookArgs{Changes: changes} }

// changeID is stable for a change: the same item, state and type give the
// same id.
func changeID(c *Change) string {
	h := sha256.Sum256([]byte(c.ProjectID + "\x00" + c.CredentialID + "\x00" + c.Item.ID + "\x00" + c.Item.ETag + "\x00" + c.Type))
	return "chg_" + hex.EncodeToString(h[:12])
}

type hookWorker struct {
	river.WorkerDefaults[HookArgs]
	s *Service
}

func (w *hookWorker) Work(ctx context.Context, job *river.Job[HookArgs]) error {
	for _, c := range job.Args.Changes {
		if err := w.s.o.Hook.FileChange(ctx, c); err != nil {
			return err
		}
	}
	return nil
}
