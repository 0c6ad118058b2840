package driveway

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"time"
)

// AuditEntry is one record of the audit trail: who (Actor*) did what
// (Action) to which Target of which project, from where (Address, RequestID).
// Before and After are JSON text where a change has meaningful states, ""
// otherwise; package audit redacts secrets before they get here.
//
// The entries form one hash chain in Seq order: Hash covers PrevHash (the
// previous entry's Hash, empty for the first ever) and every other field, so
// an edited, inserted or removed row breaks the chain at that point.
type AuditEntry struct {
	Seq       int64 // 1, 2, ...: set by AppendAudit
	At        time.Time
	ActorType string // "key", "operator", "cli", "system"
	ActorID   string // key id, operator name, ...
	ProjectID string // "" for the instance
	Action    string
	Target    string
	Before    string
	After     string
	RequestID string
	Address   string
	PrevHash  []byte
	Hash      []byte
}

// ChainHash returns the hash e must carry: SHA-256 over its PrevHash and its
// fields, each length-prefixed so that no two entries encode alike. At counts
// in Unix microseconds, the precision every store keeps.
func (e *AuditEntry) ChainHash() []byte {
	h := sha256.New()
	var n [8]byte
	put := func(b []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	put(e.PrevHash)
	binary.BigEndian.PutUint64(n[:], uint64(e.Seq))
	put(n[:])
	binary.BigEndian.PutUint64(n[:], uint64(e.At.UnixMicro()))
	put(n[:])
	for _, s := range []string{e.ActorType, e.ActorID, e.ProjectID, e.Action, e.Target,
		e.Before, e.After, e.RequestID, e.Address} {
		put([]byte(s))
	}
	return h.Sum(nil)
}

// AuditFilter selects entries; zero fields select everything.
type AuditFilter struct {
	After  int64 // only entries with Seq > After (the export cursor)
	Before int64 // only entries with Seq < Before, when not 0
	// Newest returns the newest matching entries, in descending Seq order
	// (for a page that shows the latest first).
	Newest    bool
	ProjectID string // only this project's entries
	Action    string // only entries whose action starts with this
	ActorID   string
	Since     time.Time // at or after
	Until     time.Time // before
}

// AuditQueries store the audit trail.
type AuditQueries interface {
	// AppendAudit sets e.Seq, e.PrevHash and e.Hash to extend the chain and
	// inserts e, serialized against every other appender on every node, so
	// the chain stays one line. e.At is truncated to microseconds.
	AppendAudit(ctx context.Context, e *AuditEntry) error
	// ListAudit returns up to limit entries matching f in Seq order (the
	// newest first when f.Newest).
	ListAudit(ctx context.Context, f AuditFilter, limit int) ([]*AuditEntry, error)
	// DeleteAuditBefore deletes the entries older than t (retention) and
	// returns how many. It always keeps the newest entry, the chain's head,
	// so that seq never starts over (export cursors and the SIEM stream's
	// would skip the entries that reused a seq).
	DeleteAuditBefore(ctx context.Context, t time.Time) (int, error)
	// AuditCursor returns the last seq the named consumer finished, 0 when
	// it never did.
	AuditCursor(ctx context.Context, name string) (int64, error)
	// SetAuditCursor records seq as the named consumer's last; it never
	// moves a cursor back (of two overlapping runs, the further one wins).
	SetAuditCursor(ctx context.Context, name string, seq int64) error
}
