package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// File content is saved beside the state file, one file per blob in
// "<StateFile>.blobs/", so that the JSON stays small and unchanged content
// is written once.

func (e *Emulator) blobDir() string { return e.opts.StateFile + ".blobs" }

// pendingBlob is a blob to write during Save.
type pendingBlob struct {
	b   *blob
	ref string
}

// assignRefs gives every stored blob a file name and returns those not yet
// written. Lock held.
func (e *Emulator) assignRefs() (pending []pendingBlob, live map[string]bool) {
	live = map[string]bool{}
	for _, d := range e.st.Drives {
		for _, it := range d.Items {
			if it.Content == nil {
				it.ContentRef = ""
				continue
			}
			if it.Content.ref == "" {
				var r [16]byte
				_, _ = rand.Read(r[:])
				it.Content.ref = hex.EncodeToString(r[:])
				pending = append(pending, pendingBlob{it.Content, it.Content.ref})
			}
			it.ContentRef = it.Content.ref
			live[it.ContentRef] = true
		}
	}
	return pending, live
}

// writeBlobs writes new blobs and removes files no item refers to.
func (e *Emulator) writeBlobs(pending []pendingBlob, live map[string]bool) error {
	dir := e.blobDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create blob dir: %w", err)
	}
	for _, p := range pending {
		tmp := filepath.Join(dir, p.ref+".tmp")
		f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return fmt.Errorf("write blob: %w", err)
		}
		_, err = io.Copy(f, io.NewSectionReader(p.b, 0, p.b.size))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp, filepath.Join(dir, p.ref))
		}
		if err != nil {
			return fmt.Errorf("write blob: %w", err)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, en := range entries {
		if !live[en.Name()] {
			_ = os.Remove(filepath.Join(dir, en.Name()))
		}
	}
	return nil
}

// readBlobs loads every item's content from the blob directory.
func (e *Emulator) readBlobs(st *state) error {
	for _, d := range st.Drives {
		for _, it := range d.Items {
			if it.ContentRef == "" {
				if it.Inline != nil {
					it.Content, it.Inline = &blob{chunks: [][]byte{it.Inline}, size: int64(len(it.Inline))}, nil
				}
				continue
			}
			data, err := os.ReadFile(filepath.Join(e.blobDir(), it.ContentRef))
			if err != nil {
				return fmt.Errorf("read blob of %s: %w", it.Name, err)
			}
			it.Content = &blob{chunks: [][]byte{data}, size: int64(len(data)), ref: it.ContentRef}
		}
	}
	return nil
}
