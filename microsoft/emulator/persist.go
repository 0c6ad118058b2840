package emulator

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// persistFile is the on-disk format of Options.StateFile.
type persistFile struct {
	Version int    `json:"version"`
	Key     []byte `json:"key"` // PKCS#1 signing key, so id tokens and URLs stay valid
	State   *state `json:"state"`
}

// Save writes the state to Options.StateFile (atomically, via a rename).
func (e *Emulator) Save() error {
	if e.opts.StateFile == "" {
		return nil
	}
	e.saveMu.Lock()
	defer e.saveMu.Unlock()
	e.mu.Lock()
	pending, live := e.assignRefs()
	b, err := json.Marshal(persistFile{Version: 1, Key: x509.MarshalPKCS1PrivateKey(e.key), State: e.st})
	e.mu.Unlock()
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	if err := e.writeBlobs(pending, live); err != nil {
		e.mu.Lock()
		for _, p := range pending {
			p.b.ref = "" // write it again next time
		}
		e.mu.Unlock()
		return err
	}
	tmp := e.opts.StateFile + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if err := os.Rename(tmp, e.opts.StateFile); err != nil {
		return fmt.Errorf("rename state: %w", err)
	}
	return nil
}

// load reads the state file if it exists.
func (e *Emulator) load(path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return os.MkdirAll(filepath.Dir(path), 0o755)
	}
	if err != nil {
		return fmt.Errorf("read state: %w", err)
	}
	var pf persistFile
	if err := json.Unmarshal(b, &pf); err != nil {
		return fmt.Errorf("decode state %s: %w", path, err)
	}
	if pf.State == nil {
		return fmt.Errorf("decode state %s: no state", path)
	}
	if k, err := x509.ParsePKCS1PrivateKey(pf.Key); err == nil && e.opts.SigningKey == nil {
		e.key, e.kid = k, keyID(&k.PublicKey)
	}
	st := newState()
	mergeState(st, pf.State)
	if err := e.readBlobs(st); err != nil {
		return err
	}
	for _, d := range st.Drives {
		d.rebuild()
	}
	e.st = st
	return nil
}

// mergeState copies loaded maps over the defaults (nil maps stay default).
func mergeState(dst, src *state) {
	for k, v := range src.Tenants {
		dst.Tenants[k] = v
	}
	copyMap(dst.Users, src.Users)
	copyMap(dst.Apps, src.Apps)
	copyMap(dst.Drives, src.Drives)
	copyMap(dst.AccessTokens, src.AccessTokens)
	copyMap(dst.RefreshTokens, src.RefreshTokens)
	copyMap(dst.Consents, src.Consents)
	copyMap(dst.Subscriptions, src.Subscriptions)
	copyMap(dst.Sites, src.Sites)
	copyMap(dst.Follows, src.Follows)
}

func copyMap[V any](dst, src map[string]V) {
	for k, v := range src {
		dst[k] = v
	}
}

// rebuild restores the derived children maps and the change log.
func (d *Drive) rebuild() {
	if d.Special == nil {
		d.Special = map[string]string{}
	}
	for _, it := range d.Items {
		if it.Folder {
			it.children = map[string]string{}
		}
	}
	d.log = d.log[:0]
	for _, it := range d.Items {
		if p := d.Items[it.ParentID]; p != nil && !it.Deleted && p.children != nil {
			p.children[lower(it.Name)] = it.ID
		}
		d.log = append(d.log, logEntry{seq: it.Seq, id: it.ID})
	}
	sort.Slice(d.log, func(i, j int) bool { return d.log[i].seq < d.log[j].seq })
	d.recount()
}

// saveLoop saves the state shortly after changes, when a state file is set.
func (e *Emulator) saveLoop() {
	defer e.wg.Done()
	for {
		select {
		case <-e.done:
			return
		case <-e.dirty:
			if e.opts.StateFile == "" {
				continue
			}
			select {
			case <-time.After(500 * time.Millisecond):
			case <-e.done:
				return
			}
			if err := e.Save(); err != nil && e.opts.Logf != nil {
				e.opts.Logf("emulator: %v", err)
			}
		}
	}
}
