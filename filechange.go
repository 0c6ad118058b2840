package driveway

import "time"

// ---- File Change (package filechange) ----

// TriggerFileChange is the File Change trigger's name in the triggers API.
const TriggerFileChange = "ONEDRIVE_TRIGGER_FILE_CHANGE"

// File Change event kinds: "onedrive." + "file" or "folder" + "." + change.
const (
	EventFileCreated   = "onedrive.file.created"
	EventFileUpdated   = "onedrive.file.updated"
	EventFileRenamed   = "onedrive.file.renamed"
	EventFileMoved     = "onedrive.file.moved"
	EventFileDeleted   = "onedrive.file.deleted"
	EventFolderCreated = "onedrive.folder.created"
	EventFolderUpdated = "onedrive.folder.updated"
	EventFolderRenamed = "onedrive.folder.renamed"
	EventFolderMoved   = "onedrive.folder.moved"
	EventFolderDeleted = "onedrive.folder.deleted"
)

// Statuses of a DriveWatch.
const (
	WatchPending  = "pending"  // no Graph subscription yet (being created)
	WatchActive   = "active"   // a Graph subscription is live
	WatchRenewing = "renewing" // a renewal is due or in progress
	WatchFailed   = "failed"   // the last create or renewal failed (Reason says why); retried
	WatchPolling  = "polling"  // no public https URL: scheduled delta replaces notifications
)

// DriveWatch is the change tracking of one credential's drive: its Graph
// subscription (when Driveway has a public https URL) and its delta state.
// There is at most one per credential.
type DriveWatch struct {
	ProjectID    string
	CredentialID string
	UserID       string
	// SubscriptionID is Graph's subscription id; "" while polling or before
	// one was created.
	SubscriptionID string
	// ClientState is the random secret Graph echoes in each notification;
	// plain text in memory only, the store seals it.
	ClientState string
	Status      string // Watch* constant
	Reason      string // why the last attempt failed, "" otherwise; never a secret
	ExpiresAt   time.Time
	// RenewAt is when the subscription is next renewed (ahead of
	// ExpiresAt, with jitter) or, when failed, retried.
	RenewAt time.Time
	// DeltaLink is the stored delta link; "" until the baseline ran. It
	// carries Graph's token: treat it as opaque, do not log it.
	DeltaLink string
	// NotifySeq counts notifications taken in; DoneSeq is the NotifySeq a
	// finished delta run started from. NotifySeq > DoneSeq means a delta
	// run is owed.
	NotifySeq   int64
	DoneSeq     int64
	LastDeltaAt time.Time
	// Version increases by one on every UpdateDriveWatch (not on
	// BumpDriveWatch); an update naming an older version fails with
	// ECONFLICT.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// DriveItemEntry is one item of a credential's drive item index: what the
// last delta run saw, to tell created from updated, renamed, moved and
// deleted.
type DriveItemEntry struct {
	ProjectID    string
	CredentialID string
	ItemID       string
	ParentID     string // "" for the root
	Name         string
	Folder       bool
	Root         bool
	ETag         string
	CTag         string
}

// TriggerSubscription asks for File Change events of a project's users,
// filtered. Events that match at least one are recorded (and so delivered
// by package webhook).
type TriggerSubscription struct {
	ProjectID string
	ID        string // "tsub_" + random
	Trigger   string // TriggerFileChange
	// UserID limits it to one connected user; "" means every user.
	UserID string
	// PathPrefix keeps items whose path starts with it ("/Documents");
	// "" keeps all.
	PathPrefix string
	// ItemType is "file", "folder" or "" (both).
	ItemType string
	// NamePattern is a path.Match pattern on the item name ("*.pdf"); ""
	// keeps all.
	NamePattern string
	// ChangeTypes keeps these changes ("created", "updated", "renamed",
	// "moved", "deleted"); empty keeps all.
	ChangeTypes []string
	// FileTypes keeps files whose name ends in one of these extensions
	// (lower case, no dot: "pdf"); folders never match a non-empty list.
	// Empty keeps all.
	FileTypes []string
	// DriveID keeps changes of that drive only; "" keeps all. It must be
	// the drive of one of the user's credentials: File Change watches each
	// credential's own drive and no other (a SharePoint library is refused
	// until drives other than the credential's are watched).
	DriveID   string
	CreatedAt time.Time
	UpdatedAt time.Time
}
