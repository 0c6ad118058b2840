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

// blobSlot is one stored content: a file's current bytes or an old version's.
type blobSlot struct {
	content **blob
	ref     *string
	name    string
}

// blobSlots lists every stored content of the state. Lock held.
func blobSlots(st *state) []blobSlot {
	var out []blobSlot
	for _, d := range st.Drives {
		for _, it := range d.Items {
			out = append(out, blobSlot{&it.Content, &it.ContentRef, it.Name})
			for _, v := range it.Versions {
				out = append(out, blobSlot{&v.Content, &v.ContentRef, it.Name})
			}
		}
	}
	return out
}

// assignRefs gives every stored blob a file name and returns those not yet
// written. Lock held.
func (e *Emulator) assignRefs() (pending []pendingBlob, live map[string]bool) {
	live = map[string]bool{}
	for _, sl := range blobSlots(e.st) {
		b := *sl.content
		if b == nil {
			*sl.ref = ""
			continue
		}
		if b.ref == "" {
			var r [16]byte
			_, _ = rand.Read(r[:])
			b.ref = hex.EncodeToString(r[:])
			pending = append(pending, pendingBlob{b, b.ref})
		}
		*sl.ref = b.ref
		live[b.ref] = true
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

// readBlobs loads every item's and version's content from the blob
// directory. Blobs shared by several slots are read once.
func (e *Emulator) readBlobs(st *state) error {
	for _, d := range st.Drives {
		for _, it := range d.Items {
			if it.ContentRef == "" && it.Inline != nil {
				it.Content, it.Inline = &blob{chunks: [][]byte{it.Inline}, size: int64(len(it.Inline))}, nil
			}
		}
	}
	read := map[string]*blob{}
	for _, sl := range blobSlots(st) {
		ref := *sl.ref
		if ref == "" {
			continue
		}
		if read[ref] == nil {
			data, err := os.ReadFile(filepath.Join(e.blobDir(), ref))
			if err != nil {
				return fmt.Errorf("read blob of %s: %w", sl.name, err)
			}
			read[ref] = &blob{chunks: [][]byte{data}, size: int64(len(data)), ref: ref}
		}
		*sl.content = read[ref]
	}
	return nil
}
