package filechange

import (
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/drivewayhq/driveway"
)

// Matches reports whether the trigger subscription wants the change.
func Matches(ts *driveway.TriggerSubscription, c *Change) bool {
	if ts.UserID != "" && ts.UserID != c.UserID {
		return false
	}
	if ts.DriveID != "" && !strings.EqualFold(ts.DriveID, c.DriveID) {
		return false
	}
	if len(ts.ChangeTypes) > 0 && !slices.Contains(ts.ChangeTypes, c.Type) {
		return false
	}
	if !itemTypeMatches(ts.ItemType, c.Item.Folder) || !fileTypeMatches(ts.FileTypes, &c.Item) {
		return false
	}
	if ts.NamePattern != "" {
		if ok, err := path.Match(ts.NamePattern, c.Item.Name); err != nil || !ok {
			return false
		}
	}
	return ts.PathPrefix == "" || underPrefix(c.Item.Path, ts.PathPrefix) ||
		(c.Previous != nil && underPrefix(c.Previous.Path, ts.PathPrefix))
}

func itemTypeMatches(itemType string, folder bool) bool {
	switch itemType {
	case "file":
		return !folder
	case "folder":
		return folder
	}
	return true
}

// fileTypeMatches keeps files whose extension is listed; folders never
// match a non-empty list.
func fileTypeMatches(types []string, it *Item) bool {
	if len(types) == 0 {
		return true
	}
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(it.Name), "."))
	return !it.Folder && ext != "" && slices.Contains(types, ext)
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

var fileTypePattern = regexp.MustCompile(`^[a-z0-9]{1,16}$`)

// NormalizeFileTypes lower-cases extensions and drops a leading dot
// (".PDF" becomes "pdf"), keeping the order and dropping repeats.
func NormalizeFileTypes(types []string) []string {
	var out []string
	for _, t := range types {
		t = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(t), "."))
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// ValidateTriggerSubscription checks the filters; EINVALID names the field.
// It does not check DriveID against the user's credentials (the triggers
// API does).
func ValidateTriggerSubscription(ts *driveway.TriggerSubscription) error {
	if ts.Trigger != driveway.TriggerFileChange {
		return driveway.Invalid("trigger", "unknown trigger %q (%s)", ts.Trigger, driveway.TriggerFileChange)
	}
	return ValidateFilters(ts.ItemType, ts.NamePattern, ts.PathPrefix, ts.ChangeTypes, ts.FileTypes)
}

// ValidateFilters checks File Change filters, shared by trigger
// subscriptions and the workflow file_change trigger. fileTypes must be
// normalized (NormalizeFileTypes).
func ValidateFilters(itemType, namePattern, pathPrefix string, changeTypes, fileTypes []string) error {
	if itemType != "" && itemType != "file" && itemType != "folder" {
		return driveway.Invalid("itemType", "itemType must be file, folder or empty")
	}
	if _, err := path.Match(namePattern, ""); err != nil {
		return driveway.Invalid("namePattern", "namePattern is not a valid pattern")
	}
	if pathPrefix != "" && !strings.HasPrefix(pathPrefix, "/") {
		return driveway.Invalid("pathPrefix", "pathPrefix must start with /")
	}
	for _, t := range changeTypes {
		if !slices.Contains(ChangeTypes, t) {
			return driveway.Invalid("changeTypes", "unknown change type %q", t)
		}
	}
	for _, t := range fileTypes {
		if !fileTypePattern.MatchString(t) {
			return driveway.Invalid("fileTypes", "file type %q must be an extension of 1 to 16 letters or digits, such as pdf", t)
		}
	}
	if len(fileTypes) > 0 && itemType == "folder" {
		return driveway.Invalid("fileTypes", "fileTypes keep files only; it cannot be combined with itemType folder")
	}
	return nil
}
