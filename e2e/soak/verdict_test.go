package soak

import (
	"fmt"
	"sort"
	"strings"
)

// verdict is what the soak found, computed from the emulator's record of
// changes (its answers to the workload's control calls) and the
// receiver's record of deliveries.
type verdict struct {
	Changes, Delivered, Coalesced int
	Requests, Accepted, Repeats   int // webhook requests, distinct events answered 2xx, 2xx repeats before dedupe
	Lost, Doubled                 []string
	Other                         []string // other violations, each a sentence
}

// fileEvent is a delivered onedrive.file.* event.
type fileEvent struct {
	eventID, changeID, typ, itemID, name, path string
}

func fileEvents(acc map[string]delivery) map[string][]fileEvent {
	byItem := map[string][]fileEvent{}
	for id, d := range acc {
		if !strings.HasPrefix(d.Type, "onedrive.file.") {
			continue
		}
		it, _ := d.Data["item"].(map[string]any)
		e := fileEvent{eventID: id, typ: strings.TrimPrefix(d.Type, "onedrive.file."), changeID: str(d.Data["id"]),
			itemID: str(it["id"]), name: str(it["name"]), path: str(it["path"])}
		byItem[e.itemID] = append(byItem[e.itemID], e)
	}
	return byItem
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// judge checks every change: delivered when an event of its item and type
// carries its result (name, and path for a move); coalesced when delta
// saw only a later state (the item's event carries that state instead, or
// an item created and deleted between two rounds left no event at all).
// The last change of each item must be delivered or coalesced into its
// created event, else it is lost. Two events for one change id are a
// double.
func judge(changes []change, ds []delivery) *verdict {
	acc, repeats := accepted(ds)
	v := &verdict{Changes: len(changes), Requests: len(ds), Accepted: len(acc), Repeats: repeats}
	byItem := fileEvents(acc)
	lastOf := map[string]change{}
	for _, c := range changes {
		lastOf[c.ItemID] = c
	}
	for _, c := range changes {
		switch {
		case matches(byItem[c.ItemID], c):
			v.Delivered++
		case c.Seq != lastOf[c.ItemID].Seq || coalescedEnd(byItem[c.ItemID], c):
			v.Coalesced++
		default:
			v.Lost = append(v.Lost, fmt.Sprintf("change %d: %s %s of %s (item %s, at %s): no delivery; the item's events: %s",
				c.Seq, c.Type, c.Path, c.User, c.ItemID, c.At.Format("15:04:05.000"), describe(byItem[c.ItemID])))
		}
	}
	v.Doubled = doubles(byItem)
	return v
}

func matches(evs []fileEvent, c change) bool {
	for _, e := range evs {
		if e.typ == c.Type && (c.Type == "deleted" || e.name == c.Name) && (c.Type != "moved" || e.path == "" || e.path == c.Path) {
			return true
		}
	}
	return false
}

// coalescedEnd: the last change of an item reached the app inside another
// event: one that already carries its result (a created event with the
// new name; a move and a rename in one round reported as one moved
// event), or (a deletion) no event at all because the item never outlived
// a round.
func coalescedEnd(evs []fileEvent, c change) bool {
	if c.Type == "deleted" {
		return len(evs) == 0
	}
	for _, e := range evs {
		if e.typ != "deleted" && e.name == c.Name && (e.path == "" || e.path == c.Path) {
			return true
		}
	}
	return false
}

// doubles names the changes delivered under two event ids.
func doubles(byItem map[string][]fileEvent) []string {
	var out []string
	for item, evs := range byItem {
		ids := map[string][]string{}
		for _, e := range evs {
			ids[e.changeID] = append(ids[e.changeID], e.eventID)
		}
		for chg, evIDs := range ids {
			if len(evIDs) > 1 {
				sort.Strings(evIDs)
				out = append(out, fmt.Sprintf("change %s of item %s: events %s", chg, item, strings.Join(evIDs, ", ")))
			}
		}
	}
	sort.Strings(out)
	return out
}

// ok reports whether nothing was violated.
func (v *verdict) ok() bool { return len(v.Lost) == 0 && len(v.Doubled) == 0 && len(v.Other) == 0 }

// String is the verdict as printed: the figures, then the first lost and
// doubled items and every other violation.
func (v *verdict) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "changes %d: delivered %d, coalesced by delta %d, lost %d\n", v.Changes, v.Delivered, v.Coalesced, len(v.Lost))
	fmt.Fprintf(&b, "webhook requests %d, distinct events accepted %d, 2xx repeats before dedupe %d, doubled changes %d\n",
		v.Requests, v.Accepted, v.Repeats, len(v.Doubled))
	for i, l := range v.Lost {
		if i == 5 {
			fmt.Fprintf(&b, "... %d more lost\n", len(v.Lost)-5)
			break
		}
		fmt.Fprintf(&b, "LOST: %s\n", l)
	}
	if len(v.Doubled) > 0 {
		fmt.Fprintf(&b, "FIRST DOUBLED: %s\n", v.Doubled[0])
	}
	for _, o := range v.Other {
		fmt.Fprintf(&b, "VIOLATION: %s\n", o)
	}
	if v.ok() {
		b.WriteString("VERDICT: PASS\n")
	} else {
		b.WriteString("VERDICT: FAIL\n")
	}
	return b.String()
}

func describe(evs []fileEvent) string {
	if len(evs) == 0 {
		return "none"
	}
	var parts []string
	for _, e := range evs {
		parts = append(parts, e.typ+" "+e.path+" ("+e.name+")")
	}
	return strings.Join(parts, "; ")
}
