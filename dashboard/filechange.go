package dashboard

import (
	"net/http"
	"strings"

	"github.com/drivewayhq/driveway"
)

// recentEvents is how many events the File Change page lists.
const recentEvents = 50

type fileChangeData struct {
	Watches       []*driveway.DriveWatch
	Subscriptions []*driveway.TriggerSubscription
	Events        []*driveway.Event
}

// fileChangePage shows the Graph subscriptions Driveway keeps per connected
// account (status, expiry, last delta), the trigger subscriptions that make
// it keep them, and the most recent events.
func (h *handler) fileChangePage(w http.ResponseWriter, r *http.Request) {
	p, ok := h.loadProject(w, r)
	if !ok {
		return
	}
	store := h.opts.Admin.Store
	var d fileChangeData
	var err error
	if d.Watches, err = store.ListDriveWatches(r.Context(), p.ID); err == nil {
		if d.Subscriptions, err = store.ListTriggerSubscriptions(r.Context(), p.ID); err == nil {
			d.Events, err = store.ListEvents(r.Context(), p.ID, "", recentEvents)
		}
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := &view{Title: "File Change · " + p.Name, Project: p, Tab: "file-change", Data: d}
	h.render(w, r, http.StatusOK, "file_change", v)
}

// eventSummary is one line about an event for the page: the item's path or
// name for file events, else the account.
func eventSummary(e *driveway.Event) string {
	if item, ok := e.Data["item"].(map[string]any); ok {
		if p, _ := item["path"].(string); p != "" {
			return p
		}
		if n, _ := item["name"].(string); n != "" {
			return n
		}
	}
	var parts []string
	for _, k := range []string{"reason", "status", "driveType"} {
		if s, _ := e.Data[k].(string); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " · ")
}
