package audit

import (
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/drivewayhq/driveway"
)

// Line is an entry as the export, the CLI and the SIEM stream write it: one
// JSON object per line, hashes in hex.
type Line struct {
	Seq       int64           `json:"seq"`
	At        time.Time       `json:"at"`
	Actor     LineActor       `json:"actor"`
	ProjectID string          `json:"projectId"`
	Action    string          `json:"action"`
	Target    string          `json:"target"`
	Before    json.RawMessage `json:"before,omitempty"`
	After     json.RawMessage `json:"after,omitempty"`
	RequestID string          `json:"requestId"`
	Address   string          `json:"address"`
	PrevHash  string          `json:"prevHash"`
	Hash      string          `json:"hash"`
}

// LineActor is Line's actor.
type LineActor struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// ToLine returns e as a Line.
func ToLine(e *driveway.AuditEntry) Line {
	out := Line{Seq: e.Seq, At: e.At, Actor: LineActor{e.ActorType, e.ActorID}, ProjectID: e.ProjectID,
		Action: e.Action, Target: e.Target, RequestID: e.RequestID, Address: e.Address,
		PrevHash: hex.EncodeToString(e.PrevHash), Hash: hex.EncodeToString(e.Hash)}
	if e.Before != "" {
		out.Before = json.RawMessage(e.Before)
	}
	if e.After != "" {
		out.After = json.RawMessage(e.After)
	}
	return out
}
