package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/drivewayhq/driveway"
)

// FileChangeFilter narrows a file_change trigger to some changes, with
// the filters of File Change trigger subscriptions (package filechange):
//
//	trigger:
//	  type: file_change
//	  filter: {pathPrefix: /Invoices, fileTypes: [pdf], changeTypes: [created, updated]}
//
// driveId and siteId are refused: a File Change workflow sees each user's
// own OneDrive, and drives other than that (SharePoint libraries) are not
// watched yet.
type FileChangeFilter struct {
	// PathPrefix keeps items at or below this folder ("/Invoices").
	PathPrefix string `json:"pathPrefix,omitempty"`
	// ItemType is "file", "folder" or "" (both).
	ItemType string `json:"itemType,omitempty"`
	// NamePattern is a path.Match pattern on the item's name ("*.pdf").
	NamePattern string `json:"namePattern,omitempty"`
	// FileTypes keeps files with these extensions ("pdf", ".PDF").
	FileTypes []string `json:"fileTypes,omitempty"`
	// ChangeTypes keeps these changes: created, updated, renamed, moved, deleted.
	ChangeTypes []string `json:"changeTypes,omitempty"`
	// DriveID and SiteID are read only to be refused (see above).
	DriveID string `json:"driveId,omitempty"`
	SiteID  string `json:"siteId,omitempty"`
}

var (
	changeKinds     = []string{"created", "updated", "renamed", "moved", "deleted"}
	fileTypePattern = regexp.MustCompile(`^[a-z0-9]{1,16}$`)
)

// validate checks f for a trigger of type typ; a nil filter is valid.
func (f *FileChangeFilter) validate(typ string) error {
	switch {
	case f == nil:
		return nil
	case typ != TriggerFileChange:
		return driveway.Invalid("trigger.filter", "a filter is only for file_change triggers")
	case f.SiteID != "":
		return driveway.Invalid("trigger.filter.siteId", "File Change workflows do not watch SharePoint sites yet; they see each user's own OneDrive")
	case f.DriveID != "":
		return driveway.Invalid("trigger.filter.driveId", "File Change workflows see each user's own OneDrive; other drives are not watched yet")
	case f.ItemType != "" && f.ItemType != "file" && f.ItemType != "folder":
		return driveway.Invalid("trigger.filter.itemType", "itemType must be file, folder or empty")
	case f.PathPrefix != "" && !strings.HasPrefix(f.PathPrefix, "/"):
		return driveway.Invalid("trigger.filter.pathPrefix", "pathPrefix must start with /")
	case len(f.FileTypes) > 0 && f.ItemType == "folder":
		return driveway.Invalid("trigger.filter.fileTypes", "fileTypes keep files only; it cannot be combined with itemType folder")
	}
	if _, err := path.Match(f.NamePattern, ""); err != nil {
		return driveway.Invalid("trigger.filter.namePattern", "namePattern is not a valid pattern")
	}
	for _, c := range f.ChangeTypes {
		if !slices.Contains(changeKinds, c) {
			return driveway.Invalid("trigger.filter.changeTypes", "unknown change type %q (%s)", c, strings.Join(changeKinds, ", "))
		}
	}
	for _, t := range f.FileTypes {
		if !fileTypePattern.MatchString(fileType(t)) {
			return driveway.Invalid("trigger.filter.fileTypes", "file type %q must be an extension of 1 to 16 letters or digits, such as pdf", t)
		}
	}
	return nil
}

func fileType(s string) string { return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), ".")) }

// changeFacts is what a filter reads of a File Change payload.
type changeFacts struct {
	Type string `json:"type"`
	Item struct {
		Name   string `json:"name"`
		Path   string `json:"path"`
		Folder bool   `json:"folder"`
	} `json:"item"`
	Previous *struct {
		Path string `json:"path"`
	} `json:"previous"`
}

// matches reports whether the change passes f; a nil filter passes all.
func (f *FileChangeFilter) matches(c *changeFacts) bool {
	if f == nil {
		return true
	}
	if len(f.ChangeTypes) > 0 && !slices.Contains(f.ChangeTypes, c.Type) {
		return false
	}
	if (f.ItemType == "file" && c.Item.Folder) || (f.ItemType == "folder" && !c.Item.Folder) {
		return false
	}
	if len(f.FileTypes) > 0 {
		ext := fileType(path.Ext(c.Item.Name))
		if c.Item.Folder || ext == "" || !slices.ContainsFunc(f.FileTypes, func(t string) bool { return fileType(t) == ext }) {
			return false
		}
	}
	if ok, err := path.Match(f.NamePattern, c.Item.Name); f.NamePattern != "" && (err != nil || !ok) {
		return false
	}
	return f.PathPrefix == "" || below(c.Item.Path, f.PathPrefix) || (c.Previous != nil && below(c.Previous.Path, f.PathPrefix))
}

// below reports whether p is prefix or lies under it, by whole segments
// and without case (OneDrive names are case-insensitive).
func below(p, prefix string) bool {
	p, prefix = strings.ToLower(p), strings.ToLower(strings.TrimRight(prefix, "/"))
	return p != "" && (prefix == "" || p == prefix || strings.HasPrefix(p, prefix+"/"))
}

// startMatching starts the user's enabled file_change workflows whose
// filter passes the change payload.
func (e *Engine) startMatching(ctx context.Context, p *driveway.Principal, payload map[string]any) ([]string, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("file change payload: %w", err)
	}
	var facts changeFacts
	if err := json.Unmarshal(b, &facts); err != nil {
		return nil, fmt.Errorf("file change payload: %w", err)
	}
	keep := func(w *driveway.Workflow) (bool, error) {
		var d struct {
			Trigger Trigger `json:"trigger"`
		}
		if err := json.Unmarshal(w.Definition, &d); err != nil {
			return false, errors.New("workflow " + w.ID + ": definition: " + err.Error())
		}
		return d.Trigger.Filter.matches(&facts), nil
	}
	return e.startAllKept(ctx, p, TriggerFileChange, "", payload, keep)
}
