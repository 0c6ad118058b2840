package emulator

import (
	"fmt"
	"strings"
)

// ItemInfo describes an item for Go tests and the control API.
type ItemInfo struct {
	DriveID      string `json:"driveId"`
	ID           string `json:"id"`
	Name         string `json:"name"`
	Path         string `json:"path"`
	Folder       bool   `json:"folder"`
	Size         int64  `json:"size"`
	ETag         string `json:"eTag"`
	CTag         string `json:"cTag"`
	QuickXorHash string `json:"quickXorHash,omitempty"`
}

// userDrive returns the drive of a user given by id or UPN, or a drive
// given by id (a site's library), with its owner. Lock held.
func (e *Emulator) userDrive(user string) (*Drive, *User, error) {
	u := e.userByLogin(user)
	if u == nil {
		// A drive id (a site's library): its owner acts.
		if d := e.driveByID(user); d != nil && e.st.Users[d.OwnerID] != nil {
			return d, e.st.Users[d.OwnerID], nil
		}
		return nil, nil, fmt.Errorf("no user %q", user)
	}
	return e.st.Drives[u.DriveID], u, nil
}

func splitPath(p string) []string {
	var out []string
	for _, s := range strings.Split(strings.Trim(p, "/"), "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ensureFolders walks (creating) folders along segs. Lock held.
func (e *Emulator) ensureFolders(d *Drive, segs []string, by string) (*Item, error) {
	cur := d.Items[d.RootID]
	for _, s := range segs {
		next := d.child(cur, s)
		if next == nil {
			var g *graphError
			next, _, g = e.mkdir(d, cur, s, conflictFail, by)
			if g != nil {
				return nil, fmt.Errorf("create folder %q: %s", s, g.Message)
			}
		}
		if !next.Folder {
			return nil, fmt.Errorf("%q is a file", s)
		}
		cur = next
	}
	return cur, nil
}

func (e *Emulator) info(d *Drive, it *Item) ItemInfo {
	p := strings.TrimPrefix(d.path(it), "/drive/root:")
	if p == "" {
		p = "/"
	}
	return ItemInfo{DriveID: d.ID, ID: it.ID, Name: it.Name, Path: p, Folder: it.Folder, Size: it.Size,
		ETag: d.eTag(it), CTag: d.cTag(it), QuickXorHash: it.QuickXor}
}

// WriteFile creates or replaces a file at path in a user's drive, as the
// user would in the OneDrive app (folders on the way are created). user
// may also be a drive id, such as a site library's.
func (e *Emulator) WriteFile(user, path string, content []byte) (ItemInfo, error) {
	segs := splitPath(path)
	if len(segs) == 0 {
		return ItemInfo{}, fmt.Errorf("write file: empty path")
	}
	b, qx := newBlob(append([]byte(nil), content...), e.opts.PersonalSHA256)
	e.mu.Lock()
	defer e.mu.Unlock()
	d, u, err := e.userDrive(user)
	if err != nil {
		return ItemInfo{}, fmt.Errorf("write file: %w", err)
	}
	parent, err := e.ensureFolders(d, segs[:len(segs)-1], u.ID)
	if err != nil {
		return ItemInfo{}, fmt.Errorf("write file: %w", err)
	}
	it, _, g := e.writeFile(d, parent, segs[len(segs)-1], b, qx, conflictReplace, u.ID)
	if g != nil {
		return ItemInfo{}, fmt.Errorf("write file: %s", g.Message)
	}
	return e.info(d, it), nil
}

// MakeFolder creates a folder (and its parents) in a user's drive.
func (e *Emulator) MakeFolder(user, path string) (ItemInfo, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	d, u, err := e.userDrive(user)
	if err != nil {
		return ItemInfo{}, fmt.Errorf("make folder: %w", err)
	}
	it, err := e.ensureFolders(d, splitPath(path), u.ID)
	if err != nil {
		return ItemInfo{}, fmt.Errorf("make folder: %w", err)
	}
	return e.info(d, it), nil
}

// find resolves a path in a user's drive. Lock held.
func (e *Emulator) find(user, path string) (*Drive, *User, *Item, error) {
	d, u, err := e.userDrive(user)
	if err != nil {
		return nil, nil, nil, err
	}
	it := e.lookupPath(d, path)
	if it == nil {
		return nil, nil, nil, fmt.Errorf("no item at %q", path)
	}
	return d, u, it, nil
}

// Stat describes the item at path in a user's drive.
func (e *Emulator) Stat(user, path string) (ItemInfo, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	d, _, it, err := e.find(user, path)
	if err != nil {
		return ItemInfo{}, fmt.Errorf("stat: %w", err)
	}
	return e.info(d, it), nil
}

// ReadFile returns the content of the file at path in a user's drive.
func (e *Emulator) ReadFile(user, path string) ([]byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, _, it, err := e.find(user, path)
	if err != nil {
		return nil, fmt.Errorf("read file: %w", err)
	}
	if it.Folder {
		return nil, fmt.Errorf("read file: %q is a folder", path)
	}
	if it.Content == nil {
		return []byte{}, nil
	}
	return it.Content.bytes(), nil
}

// RenameItem renames the item at path, as the user.
func (e *Emulator) RenameItem(user, path, newName string) (ItemInfo, error) {
	return e.patchAs(user, path, itemPatch{Name: &newName})
}

// MoveItem moves the item at path into the folder at newParentPath, as the user.
func (e *Emulator) MoveItem(user, path, newParentPath string) (ItemInfo, error) {
	e.mu.Lock()
	d, _, err := e.userDrive(user)
	var parent *Item
	if err == nil {
		parent = e.lookupPath(d, newParentPath)
	}
	e.mu.Unlock()
	if err != nil || parent == nil {
		return ItemInfo{}, fmt.Errorf("move item: no folder %q", newParentPath)
	}
	p := itemPatch{}
	p.ParentReference = &struct {
		ID      string `json:"id"`
		DriveID string `json:"driveId"`
		Path    string `json:"path"`
	}{ID: parent.ID}
	return e.patchAs(user, path, p)
}

func (e *Emulator) patchAs(user, path string, p itemPatch) (ItemInfo, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	d, u, it, err := e.find(user, path)
	if err != nil {
		return ItemInfo{}, fmt.Errorf("update item: %w", err)
	}
	if g := e.update(d, it, p, "", u.ID); g != nil {
		return ItemInfo{}, fmt.Errorf("update item: %s", g.Message)
	}
	return e.info(d, it), nil
}

// DeleteItem moves the item at path to the recycle bin, as the user.
func (e *Emulator) DeleteItem(user, path string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	d, u, it, err := e.find(user, path)
	if err != nil {
		return fmt.Errorf("delete item: %w", err)
	}
	if it.ParentID == "" {
		return fmt.Errorf("delete item: cannot delete the root")
	}
	e.remove(d, it, u.ID)
	return nil
}

// IssueAccessToken mints an access token for a user (delegated) or, with
// user "", an app-only token for tenantID, without going through sign-in.
func (e *Emulator) IssueAccessToken(user, clientID string, scopes ...string) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	app := e.st.Apps[clientID]
	if app == nil {
		return "", fmt.Errorf("issue token: no app %s", clientID)
	}
	u := e.userByLogin(user)
	if u == nil {
		return "", fmt.Errorf("issue token: no user %q", user)
	}
	now := e.Now()
	tok := "EwA" + e.token(96)
	e.st.AccessTokens[tok] = &accessToken{UserID: u.ID, ClientID: clientID, TenantID: u.TenantID, Scopes: scopes,
		Issued: now, Expires: now.Add(e.accessLifetime()), Cloud: e.opts.Cloud}
	e.changed()
	return tok, nil
}

// DropNotifications drops this fraction (0..1) of webhook deliveries.
func (e *Emulator) DropNotifications(fraction float64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rt.dropNotes = fraction
}
