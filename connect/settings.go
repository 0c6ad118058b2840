package connect

import (
	"maps"
	"strings"

	"github.com/drivewayhq/driveway"
)

// settingsKey is the reserved metadata key under which a user's per-
// credential User Settings are kept until credentials get a column of
// their own. It is hidden from /sdk/me and PATCH /sdk/me cannot write it.
const settingsKey = "$driveway"

// credentialSettings are one credential's User Settings.
type credentialSettings struct {
	Shared   map[string]any
	Workflow map[string]any
}

// userSettings are a user's settings by credential id.
type userSettings map[string]credentialSettings

func settingsOf(u *driveway.ConnectedUser) userSettings {
	out := userSettings{}
	root, _ := u.Metadata[settingsKey].(map[string]any)
	for id, v := range root {
		m, _ := v.(map[string]any)
		cs := credentialSettings{Shared: map[string]any{}, Workflow: map[string]any{}}
		if s, ok := m["sharedSettings"].(map[string]any); ok {
			cs.Shared = s
		}
		if s, ok := m["workflowSettings"].(map[string]any); ok {
			cs.Workflow = s
		}
		out[id] = cs
	}
	return out
}

func (s userSettings) forCredential(id string) credentialSettings {
	if cs, ok := s[id]; ok {
		return cs
	}
	return credentialSettings{Shared: map[string]any{}, Workflow: map[string]any{}}
}

// store writes s back into the user's metadata (the caller saves the user).
func (s userSettings) store(u *driveway.ConnectedUser) {
	if u.Metadata == nil {
		u.Metadata = map[string]any{}
	}
	if len(s) == 0 {
		delete(u.Metadata, settingsKey)
		return
	}
	root := map[string]any{}
	for id, cs := range s {
		root[id] = map[string]any{"sharedSettings": cs.Shared, "workflowSettings": cs.Workflow}
	}
	u.Metadata[settingsKey] = root
}

// publicMeta is the user's metadata without reserved keys.
func publicMeta(u *driveway.ConnectedUser) map[string]any {
	out := maps.Clone(u.Metadata)
	if out == nil {
		out = map[string]any{}
	}
	for k := range out {
		if strings.HasPrefix(k, "$") {
			delete(out, k)
		}
	}
	return out
}

// normalizeMeta spells any-case "name" and "email" keys "Name" and
// "Email", as the SDK does, and drops reserved keys.
func normalizeMeta(in map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range in {
		switch {
		case strings.HasPrefix(k, "$"):
			continue
		case strings.EqualFold(k, "name"):
			k = "Name"
		case strings.EqualFold(k, "email"):
			k = "Email"
		}
		out[k] = v
	}
	return out
}
