package filechange

import (
	"context"
	"fmt"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/ids"
	"github.com/drivewayhq/driveway/microsoft"
)

// casRetries bounds re-runs of a delta round that lost its compare-and-swap
// to a concurrent change of the watch (a renewal).
const casRetries = 3

// Sync runs one delta round for the credential (the first round builds the
// baseline) and reports whether notifications arrived meanwhile (another
// round is owed). Without a watch it does nothing.
func (s *Service) Sync(ctx context.Context, projectID, credentialID string) (again bool, err error) {
	return s.sync(ctx, projectID, credentialID, nil)
}

// finisher completes the running delta job in the round's transaction
// when no notification arrived since the round started, so that a
// notification is either seen by this round or inserts a new job.
type finisher func(ctx context.Context, tx driveway.Tx) error

func (s *Service) sync(ctx context.Context, projectID, credentialID string, finish finisher) (again bool, err error) {
	for range casRetries {
		again, err = s.syncOnce(ctx, projectID, credentialID, finish)
		if driveway.ErrorCode(err) != driveway.ECONFLICT {
			return again, err
		}
	}
	return again, err
}

func (s *Service) syncOnce(ctx context.Context, projectID, credentialID string, finish finisher) (bool, error) {
	w, err := s.o.Store.GetDriveWatch(ctx, projectID, credentialID)
	if driveway.ErrorCode(err) == driveway.ENOTFOUND {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	startSeq := w.NotifySeq
	dc, err := s.driveClient(ctx, w)
	if err != nil {
		return false, s.tokenFailed(ctx, w, err)
	}
	var items []microsoft.Item
	var link string
	full := w.DeltaLink == ""
	if full {
		link, items, err = s.baseline(ctx, dc)
	} else {
		link, items, full, err = s.round(ctx, dc, w)
	}
	if err != nil {
		return false, err
	}
	return s.commitFresh(ctx, w, link, startSeq, items, full, finish)
}

// commitFresh commits the round read from w. When the watch changed
// meanwhile but its delta link did not (a renewal committed during the
// round, most often while the baseline enumerated), what was read is still
// the next round: it is committed on the fresh watch instead of being read
// again. Reading again would enumerate a whole drive once more and, for a
// baseline, take a later starting token, absorbing (without an event) the
// changes made since the first one.
func (s *Service) commitFresh(ctx context.Context, w *driveway.DriveWatch, link string, startSeq int64,
	items []microsoft.Item, full bool, finish finisher) (bool, error) {
	from, lastRound := w.DeltaLink, w.LastDeltaAt
	for range casRetries {
		_, again, err := s.commit(ctx, w, link, startSeq, items, full, finish)
		if driveway.ErrorCode(err) != driveway.ECONFLICT {
			return again, err
		}
		if w, err = s.o.Store.GetDriveWatch(ctx, w.ProjectID, w.CredentialID); err != nil {
			return false, ignoreNotFound(err)
		}
		// Another round committed (its time, if not its link, changed):
		// what was read may be older than what it stored.
		if w.DeltaLink != from || !w.LastDeltaAt.Equal(lastRound) {
			return false, driveway.Errorf(driveway.ECONFLICT, "another delta round committed meanwhile")
		}
	}
	return false, driveway.Errorf(driveway.ECONFLICT, "drive watch kept changing during the delta round")
}

func (s *Service) driveClient(ctx context.Context, w *driveway.DriveWatch) (*microsoft.DriveClient, error) {
	tok, _, err := s.o.Tokens.AccessToken(ctx, w.ProjectID, w.CredentialID)
	if err != nil {
		return nil, err
	}
	graph, err := s.graphURL(ctx, w.ProjectID)
	if err != nil {
		return nil, err
	}
	return microsoft.NewDriveClient(microsoft.DriveOptions{BaseURL: graph, HTTP: s.o.HTTP,
		Token: func(context.Context) (string, error) { return tok, nil }})
}

// tokenFailed records why a credential cannot be synced when it is not
// VALID (no retry: the user must reconnect) and returns other errors.
func (s *Service) tokenFailed(ctx context.Context, w *driveway.DriveWatch, err error) error {
	if driveway.ErrorCode(err) != driveway.EFORBIDDEN && driveway.ErrorCode(err) != driveway.ENOTFOUND {
		return fmt.Errorf("access token: %w", err)
	}
	w.Status, w.Reason = driveway.WatchFailed, "credential_invalid"
	if uerr := s.o.Store.UpdateDriveWatch(ctx, w); uerr != nil && driveway.ErrorCode(uerr) != driveway.ECONFLICT {
		return uerr
	}
	return nil
}

// baseline takes token=latest, then enumerates the drive (into the index,
// without events). The next round starts from the latest link, so a change
// made during the enumeration is seen then (and one the enumeration already
// indexed is not repeated).
func (s *Service) baseline(ctx context.Context, dc *microsoft.DriveClient) (string, []microsoft.Item, error) {
	latest, err := dc.DeltaLatest(ctx, microsoft.DriveRef{})
	if err != nil {
		return "", nil, fmt.Errorf("baseline: %w", err)
	}
	items, _, err := collect(ctx, dc, "")
	if err != nil {
		return "", nil, fmt.Errorf("baseline: %w", err)
	}
	return latest, items, nil
}

// round follows the stored link to a new delta link; after 410 it
// enumerates the whole drive instead (full).
func (s *Service) round(ctx context.Context, dc *microsoft.DriveClient, w *driveway.DriveWatch) (string, []microsoft.Item, bool, error) {
	items, link, err := collect(ctx, dc, w.DeltaLink)
	full := false
	if microsoft.IsResyncRequired(err) {
		s.o.Logger.Info("filechange: delta token expired, resyncing", "project", w.ProjectID, "credential", w.CredentialID)
		full = true
		items, link, err = collect(ctx, dc, "")
	}
	if err != nil {
		return "", nil, false, fmt.Errorf("delta: %w", err)
	}
	return link, items, full, nil
}

func collect(ctx context.Context, dc *microsoft.DriveClient, link string) ([]microsoft.Item, string, error) {
	var items []microsoft.Item
	next, err := dc.DeltaAll(ctx, microsoft.DriveRef{}, link, nil, func(page []microsoft.Item) error {
		items = append(items, page...)
		return nil
	})
	return items, next, err
}

// commit diffs items against the index and stores the link, the index
// changes and the events in one transaction, which fails with ECONFLICT
// when the watch changed since it was read. A first round (no link yet)
// records no events. It reports whether a notification arrived meanwhile.
func (s *Service) commit(ctx context.Context, w *driveway.DriveWatch, link string, startSeq int64,
	items []microsoft.Item, full bool, finish finisher) (*diffResult, bool, error) {
	first := w.DeltaLink == ""
	index, err := readIndex(ctx, s.o.Store, w, items, full)
	if err != nil {
		return nil, false, err
	}
	r := diff(w, index, items, full)
	if first {
		r.changes = nil
	}
	var subs []*driveway.TriggerSubscription
	if len(r.changes) > 0 {
		if subs, err = s.o.Store.ListTriggerSubscriptions(ctx, w.ProjectID); err != nil {
			return nil, false, err
		}
		if err := s.stampDrive(ctx, w, r.changes); err != nil {
			return nil, false, err
		}
	}
	again := false
	err = s.o.Store.WithTx(ctx, func(tx driveway.Tx) error {
		w.DeltaLink, w.DoneSeq, w.LastDeltaAt = link, startSeq, s.now()
		if w.Status == driveway.WatchFailed && w.Reason == "credential_invalid" {
			w.Status, w.Reason = s.healthyStatus(w), ""
		}
		if err := tx.UpdateDriveWatch(ctx, w); err != nil {
			return err
		}
		if err := tx.DeleteDriveItems(ctx, w.ProjectID, w.CredentialID, r.deleted); err != nil {
			return err
		}
		if err := tx.PutDriveItems(ctx, r.put); err != nil {
			return err
		}
		// Events are stamped with the wall clock, a microsecond apart, so
		// that their order (by time) is delta's order.
		at := time.Now().UTC().Truncate(time.Microsecond)
		for i, c := range r.changes {
			if err := appendEvent(ctx, tx, c, subs, at.Add(time.Duration(i)*time.Microsecond)); err != nil {
				return err
			}
		}
		if s.o.Hook != nil && len(r.changes) > 0 {
			if _, err := s.o.Queue.InsertTx(ctx, tx, hookArgsOf(r.changes), nil); err != nil {
				return err
			}
		}
		cur, err := tx.GetDriveWatch(ctx, w.ProjectID, w.CredentialID)
		if err != nil {
			return err
		}
		if again = cur.NotifySeq > startSeq; !again && finish != nil {
			return finish(ctx, tx)
		}
		return nil
	})
	return r, again, err
}

// stampDrive sets each change's DriveID to the credential's drive, which
// trigger subscriptions filter on (driveId) and events carry. A credential
// deleted meanwhile leaves it "": the watch goes with the credential.
func (s *Service) stampDrive(ctx context.Context, w *driveway.DriveWatch, changes []*Change) error {
	c, err := s.o.Store.GetCredential(ctx, w.ProjectID, w.CredentialID)
	if err != nil {
		return ignoreNotFound(err)
	}
	for _, ch := range changes {
		ch.DriveID = c.DriveID
	}
	return nil
}

// appendEvent records the change when a trigger subscription wants it.
func appendEvent(ctx context.Context, tx driveway.Tx, c *Change, subs []*driveway.TriggerSubscription, now time.Time) error {
	matched := []string{}
	for _, ts := range subs {
		if Matches(ts, c) {
			matched = append(matched, ts.ID)
		}
	}
	if len(matched) == 0 {
		return nil
	}
	data := c.Payload()
	data["triggerSubscriptionIds"] = matched
	return tx.AppendEvent(ctx, &driveway.Event{ID: ids.New("evt"), ProjectID: c.ProjectID, Kind: c.Kind(),
		UserID: c.UserID, CredentialID: c.CredentialID, Data: data, CreatedAt: now})
}

// indexReader is what readIndex needs of the store.
type indexReader interface {
	ListDriveItems(ctx context.Context, projectID, credentialID string) ([]*driveway.DriveItemEntry, error)
	GetDriveItems(ctx context.Context, projectID, credentialID string, itemIDs []string) ([]*driveway.DriveItemEntry, error)
	ListDriveItemChildren(ctx context.Context, projectID, credentialID string, parentIDs []string) ([]*driveway.DriveItemEntry, error)
}

// readIndex reads the index entries a round's diff needs, not the whole
// index of a drive that may hold millions of items: the entries of the
// items delta listed, their ancestors before and after the round (for
// paths), and everything below the folders it deleted (for the orphans
// that delta does not list). A full enumeration (first round, or a resync
// after 410) reads the whole index: it must find what delta left out.
func readIndex(ctx context.Context, st indexReader, w *driveway.DriveWatch, items []microsoft.Item, full bool) (map[string]*driveway.DriveItemEntry, error) {
	index := map[string]*driveway.DriveItemEntry{}
	if full {
		entries, err := st.ListDriveItems(ctx, w.ProjectID, w.CredentialID)
		for _, e := range entries {
			index[e.ItemID] = e
		}
		return index, err
	}
	asked := map[string]bool{}
	var want []string
	ask := func(id string) {
		if id != "" && !asked[id] {
			asked[id] = true
			want = append(want, id)
		}
	}
	for i := range items {
		ask(items[i].ID)
		if p := items[i].ParentReference; p != nil {
			ask(p.ID)
		}
	}
	for len(want) > 0 { // a level of ancestors per read
		got, err := st.GetDriveItems(ctx, w.ProjectID, w.CredentialID, want)
		if err != nil {
			return nil, err
		}
		want = nil
		for _, e := range got {
			index[e.ItemID] = e
			ask(e.ParentID)
		}
	}
	// Below the deleted items, in the tree after the round: the index's
	// children, and folders that delta moved there.
	movedInto := map[string][]string{}
	for i := range items {
		if p := items[i].ParentReference; p != nil && items[i].Deleted == nil && items[i].IsFolder() {
			movedInto[p.ID] = append(movedInto[p.ID], items[i].ID)
		}
	}
	var below []string
	seen := map[string]bool{}
	under := func(id string) {
		if !seen[id] {
			seen[id] = true
			below = append(below, id)
		}
	}
	for i := range items {
		if items[i].Deleted != nil {
			under(items[i].ID)
		}
	}
	for len(below) > 0 { // a level of descendants per read
		level := below
		got, err := st.ListDriveItemChildren(ctx, w.ProjectID, w.CredentialID, level)
		if err != nil {
			return nil, err
		}
		below = nil
		for _, e := range got {
			if index[e.ItemID] == nil {
				index[e.ItemID] = e
			}
			if e.Folder {
				under(e.ItemID)
			}
		}
		for _, id := range level {
			for _, moved := range movedInto[id] {
				under(moved)
			}
		}
	}
	return index, nil
}
