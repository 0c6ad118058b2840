package filechange

import (
	"path"
	"slices"
	"strings"

	"github.com/drivewayhq/driveway"
)

// Matches reports whether the trigger subscription wants the change.
func Matches(ts *driveway.TriggerSubscription, c *Change) bool {
	if ts.UserID != "" && ts.UserID != c.UserID {
		return false
	}
	if len(ts.ChangeTypes) > 0 && !slices.Contains(ts.ChangeTypes, c.Type) {
		return false
	}
	switch ts.ItemType {
	case "file":
		if c.Item.Folder {
			return false
		}
	case "folder":
		if !c.Item.Folder {
			return false
		}
	}
	if ts.NamePattern != "" {
		if ok, err := path.Match(ts.NamePattern, c.Item.Name); err != nil || !ok {
			return false
		}
	}
	return ts.PathPrefix == "" || underPrefix(c.Item.Path, ts.PathPrefix) ||
		(c.Previous != nil && underPrefix(c.Previous.Path, ts.PathPrefix))
}

// underPrefix reports whether p is prefix or lies below it, comparing
// whole path segments without case (OneDrive names are case-insensitive).
func underPrefix(p, prefix string) bool {
	if p == "" {
		return false
	}
	p, prefix = strings.ToLower(p), strings.ToLower(strings.TrimRight(prefix, "/"))
	return prefix == "" || p == prefix || strings.HasPrefix(p, prefix+"/")
}

// ValidateTriggerSubscription checks the filters; EINVALID names the field.
func ValidateTriggerSubscription(ts *driveway.TriggerSubscription) error {
	if ts.Trigger != driveway.TriggerFileChange {
		return driveway.Invalid("trigger", "unknown trigger %q (%s)", ts.Trigger, driveway.TriggerFileChange)
	}
	if ts.ItemType != "" && ts.ItemType != "file" && ts.ItemType != "folder" {
		return driveway.Invalid("itemType", "itemType must be file, folder or empty")
	}
	if _, err := path.Match(ts.NamePattern, ""); err != nil {
		return driveway.Invalid("namePattern", "namePattern is not a valid pattern")
	}
	if ts.PathPrefix != "" && !strings.HasPrefix(ts.PathPrefix, "/") {
		return driveway.Invalid("pathPrefix", "pathPrefix must start with /")
	}
	for _, t := range ts.ChangeTypes {
		if !slices.Contains(ChangeTypes, t) {
			return driveway.Invalid("changeTypes", "unknown change type %q", t)
		}
	}
	return nil
}
