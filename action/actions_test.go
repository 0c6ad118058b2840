package action_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft/emulator"
)

// tree is the content every catalogue test starts from.
type tree struct {
	docs, dest, sub, trash, other emulator.ItemInfo
	a, b, c, d, report            emulator.ItemInfo
}

func (b *bundle) tree(t testing.TB) tree {
	t.Helper()
	return tree{
		docs: b.mkdir(t, "/Docs"), dest: b.mkdir(t, "/Dest"), sub: b.mkdir(t, "/Docs/Sub"),
		trash: b.mkdir(t, "/Trash"), other: b.mkdir(t, "/Other"),
		a: b.write(t, "/Docs/a.txt", "hello"), b: b.write(t, "/Other/b.txt", "bee"),
		c: b.write(t, "/Other/c.txt", "sea"), d: b.write(t, "/Other/d.txt", "dee"),
		report: b.write(t, "/Docs/quarterly-report.txt", "numbers"),
	}
}

// actionCase is one action's success call and its check.
type actionCase struct {
	name   string
	params func(tr tree) map[string]any
	check  func(t *testing.T, b *bundle, tr tree, out map[string]any)
}

func field(t *testing.T, out map[string]any, key string) string {
	t.Helper()
	s, _ := out[key].(string)
	return s
}

func hasItem(out map[string]any, name string) bool {
	items, _ := out["items"].([]any)
	for _, it := range items {
		if it.(map[string]any)["name"] == name {
			return true
		}
	}
	return false
}

func wantEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if got != want {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

// successCases covers every action of the catalogue.
func successCases() []actionCase {
	return []actionCase{
		{"ONEDRIVE_SAVE_FILE", func(tr tree) map[string]any {
			return map[string]any{"name": "new.txt", "parentId": tr.docs.ID, "content": "hi there"}
		}, func(t *testing.T, b *bundle, tr tree, out map[string]any) {
			got, err := b.emu.ReadFile(b.user.ID, "/Docs/new.txt")
			must(t, "read saved file", err)
			wantEqual(t, "content", string(got), "hi there")
			wantEqual(t, "parentId", out["parentId"], tr.docs.ID)
		}},
		{"ONEDRIVE_GET_FILE_BY_ID", func(tr tree) map[string]any { return map[string]any{"fileId": tr.a.ID} },
			func(t *testing.T, b *bundle, tr tree, out map[string]any) {
				wantEqual(t, "name", out["name"], "a.txt")
				wantEqual(t, "size", out["size"], 5.0)
			}},
		{"ONEDRIVE_DOWNLOAD_FILE", func(tr tree) map[string]any { return map[string]any{"fileId": tr.a.ID} },
			func(t *testing.T, b *bundle, tr tree, out map[string]any) {
				wantEqual(t, "contentBase64", out["contentBase64"], base64.StdEncoding.EncodeToString([]byte("hello")))
			}},
		{"ONEDRIVE_LIST_CONTENTS", func(tr tree) map[string]any { return map[string]any{"folderId": tr.docs.ID} },
			func(t *testing.T, b *bundle, tr tree, out map[string]any) {
				if !hasItem(out, "a.txt") || !hasItem(out, "Sub") {
					t.Fatalf("listing %v lacks a.txt or Sub", out)
				}
			}},
		{"ONEDRIVE_CREATE_FOLDER", func(tr tree) map[string]any { return map[string]any{"name": "Fresh"} },
			func(t *testing.T, b *bundle, tr tree, out map[string]any) {
				wantEqual(t, "isFolder", out["isFolder"], true)
				_, err := b.emu.Stat(b.user.ID, "/Fresh")
				must(t, "stat new folder", err)
			}},
		{"ONEDRIVE_GET_FOLDER_BY_ID", func(tr tree) map[string]any { return map[string]any{"folderId": tr.docs.ID} },
			func(t *testing.T, b *bundle, tr tree, out map[string]any) { wantEqual(t, "name", out["name"], "Docs") }},
		{"ONEDRIVE_SEARCH_FOLDERS", func(tr tree) map[string]any { return map[string]any{"query": "Docs"} },
			func(t *testing.T, b *bundle, tr tree, out map[string]any) {
				if !hasItem(out, "Docs") || hasItem(out, "a.txt") {
					t.Fatalf("folder search %v", out)
				}
			}},
		{"ONEDRIVE_MOVE_FOLDER", func(tr tree) map[string]any {
			return map[string]any{"folderId": tr.sub.ID, "destinationFolderId": tr.dest.ID}
		}, func(t *testing.T, b *bundle, tr tree, out map[string]any) {
			wantEqual(t, "parentId", out["parentId"], tr.dest.ID)
			_, err := b.emu.Stat(b.user.ID, "/Dest/Sub")
			must(t, "stat moved folder", err)
		}},
		{"ONEDRIVE_DELETE_FOLDER", func(tr tree) map[string]any { return map[string]any{"folderId": tr.trash.ID} },
			func(t *testing.T, b *bundle, tr tree, out map[string]any) {
				wantEqual(t, "deleted", out["deleted"], true)
				if _, err := b.emu.Stat(b.user.ID, "/Trash"); err == nil {
					t.Fatalf("/Trash still exists")
				}
			}},
		{"ONEDRIVE_GET_ITEM_BY_PATH", func(tr tree) map[string]any { return map[string]any{"path": "/Docs/a.txt"} },
			func(t *testing.T, b *bundle, tr tree, out map[string]any) { wantEqual(t, "id", out["id"], tr.a.ID) }},
		{"ONEDRIVE_SEARCH_FILES", func(tr tree) map[string]any { return map[string]any{"query": "quarterly"} },
			func(t *testing.T, b *bundle, tr tree, out map[string]any) {
				if !hasItem(out, "quarterly-report.txt") {
					t.Fatalf("file search %v", out)
				}
			}},
		{"ONEDRIVE_MOVE_FILE", func(tr tree) map[string]any {
			return map[string]any{"fileId": tr.b.ID, "destinationFolderId": tr.dest.ID, "newName": "b-moved.txt"}
		}, func(t *testing.T, b *bundle, tr tree, out map[string]any) {
			wantEqual(t, "name", out["name"], "b-moved.txt")
			_, err := b.emu.Stat(b.user.ID, "/Dest/b-moved.txt")
			must(t, "stat moved file", err)
		}},
		{"ONEDRIVE_RENAME_ITEM", func(tr tree) map[string]any { return map[string]any{"itemId": tr.c.ID, "name": "c2.txt"} },
			func(t *testing.T, b *bundle, tr tree, out map[string]any) {
				wantEqual(t, "name", out["name"], "c2.txt")
			}},
		{"ONEDRIVE_COPY_ITEM", func(tr tree) map[string]any {
			return map[string]any{"itemId": tr.a.ID, "destinationFolderId": tr.dest.ID, "newName": "a-copy.txt"}
		}, func(t *testing.T, b *bundle, tr tree, out map[string]any) {
			wantEqual(t, "status", out["status"], "completed")
			got, err := b.emu.ReadFile(b.user.ID, "/Dest/a-copy.txt")
			must(t, "read copy", err)
			wantEqual(t, "copy", string(got), "hello")
		}},
		{"ONEDRIVE_DELETE_FILE", func(tr tree) map[string]any { return map[string]any{"fileId": tr.d.ID} },
			func(t *testing.T, b *bundle, tr tree, out map[string]any) {
				if _, err := b.emu.Stat(b.user.ID, "/Other/d.txt"); err == nil {
					t.Fatalf("d.txt still exists")
				}
			}},
		{"ONEDRIVE_LIST_DRIVES", func(tr tree) map[string]any { return map[string]any{} },
			func(t *testing.T, b *bundle, tr tree, out map[string]any) {
				drives, _ := out["drives"].([]any)
				found := false
				for _, d := range drives {
					found = found || strings.EqualFold(d.(map[string]any)["id"].(string), b.user.DriveID)
				}
				if !found {
					t.Fatalf("drives %v lack %s", drives, b.user.DriveID)
				}
			}},
		{"ONEDRIVE_CREATE_SHARING_LINK", func(tr tree) map[string]any { return map[string]any{"itemId": tr.a.ID, "type": "view"} },
			func(t *testing.T, b *bundle, tr tree, out map[string]any) {
				if field(t, out, "webUrl") == "" {
					t.Fatalf("no webUrl in %v", out)
				}
			}},
		{"ONEDRIVE_LIST_CHANGES", func(tr tree) map[string]any { return map[string]any{} },
			func(t *testing.T, b *bundle, tr tree, out map[string]any) {
				if field(t, out, "cursor") == "" || !hasItem(out, "a.txt") {
					t.Fatalf("changes %v", out)
				}
			}},
		{"ONEDRIVE_REQUEST", func(tr tree) map[string]any {
			return map[string]any{"method": "GET", "path": "me/drive/items/" + tr.docs.ID + "/children"}
		}, func(t *testing.T, b *bundle, tr tree, out map[string]any) {
			wantEqual(t, "status", out["status"], 200.0)
			body, _ := out["body"].(map[string]any)
			if list, _ := body["value"].([]any); len(list) < 2 {
				t.Fatalf("request body %v", out["body"])
			}
		}},
	}
}

func TestEveryActionSucceeds(t *testing.T) {
	t.Parallel()
	if n := len(successCases()); n != 19 {
		t.Fatalf("%d success cases, want one per action (19)", n)
	}
	for _, mode := range modes {
		for _, drive := range []string{"me", "driveId", "siteId"} {
			t.Run(mode+"/"+drive, func(t *testing.T) {
				t.Parallel()
				b := newBundle(t, mode, opts{})
				tr := b.tree(t)
				for _, c := range successCases() {
					params := c.params(tr)
					switch {
					case c.name == "ONEDRIVE_REQUEST":
					case drive == "driveId":
						params["driveId"] = b.user.DriveID
					case drive == "siteId" && c.name != "ONEDRIVE_LIST_DRIVES":
						params["siteId"] = b.user.DriveID // the emulator's sites/{id} accepts a drive id
					}
					out := b.mustRun(t, c.name, params)
					c.check(t, b, tr, out)
				}
			})
		}
	}
}

// notFoundParams name an item that does not exist.
func notFoundParams() map[string]map[string]any {
	const nope = "01NOPENOPENOPENOPE"
	return map[string]map[string]any{
		"ONEDRIVE_SAVE_FILE":           {"name": "x.txt", "parentId": nope, "content": "x"},
		"ONEDRIVE_GET_FILE_BY_ID":      {"fileId": nope},
		"ONEDRIVE_DOWNLOAD_FILE":       {"fileId": nope},
		"ONEDRIVE_LIST_CONTENTS":       {"folderId": nope},
		"ONEDRIVE_CREATE_FOLDER":       {"name": "x", "parentId": nope},
		"ONEDRIVE_GET_FOLDER_BY_ID":    {"folderId": nope},
		"ONEDRIVE_SEARCH_FOLDERS":      {"query": "x", "folderId": nope},
		"ONEDRIVE_MOVE_FOLDER":         {"folderId": nope, "destinationFolderId": "root"},
		"ONEDRIVE_DELETE_FOLDER":       {"folderId": nope},
		"ONEDRIVE_GET_ITEM_BY_PATH":    {"path": "/no/such/file.txt"},
		"ONEDRIVE_SEARCH_FILES":        {"query": "x", "folderId": nope},
		"ONEDRIVE_MOVE_FILE":           {"fileId": nope, "destinationFolderId": "root"},
		"ONEDRIVE_RENAME_ITEM":         {"itemId": nope, "name": "y"},
		"ONEDRIVE_COPY_ITEM":           {"itemId": nope, "destinationFolderId": "root"},
		"ONEDRIVE_DELETE_FILE":         {"fileId": nope},
		"ONEDRIVE_LIST_DRIVES":         {"driveId": "b!nosuchdrive"},
		"ONEDRIVE_CREATE_SHARING_LINK": {"itemId": nope, "type": "view"},
		"ONEDRIVE_LIST_CHANGES":        {"driveId": "b!nosuchdrive"},
	}
}

func TestEveryActionNotFound(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			b := newBundle(t, mode, opts{})
			for name, params := range notFoundParams() {
				_, err := b.run(t, name, params)
				if ae := actionErr(t, err); ae.Err.Code != driveway.ENOTFOUND || ae.Status() != 404 {
					t.Fatalf("%s: error %v (status %d), want not_found 404", name, err, ae.Status())
				}
			}
			out := b.mustRun(t, "ONEDRIVE_REQUEST", map[string]any{"method": "GET", "path": "me/drive/items/01NOPE"})
			wantEqual(t, "request status", out["status"], 404.0)
		})
	}
}

func TestConflicts(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			b := newBundle(t, mode, opts{})
			tr := b.tree(t)
			b.write(t, "/Dest/a.txt", "clash")
			b.mkdir(t, "/Dest/Sub")
			cases := map[string]map[string]any{
				"ONEDRIVE_SAVE_FILE":     {"path": "/Docs/a.txt", "content": "x", "conflictBehavior": "fail"},
				"ONEDRIVE_CREATE_FOLDER": {"name": "Docs"},
				"ONEDRIVE_MOVE_FILE":     {"fileId": tr.a.ID, "destinationFolderId": tr.dest.ID},
				"ONEDRIVE_MOVE_FOLDER":   {"folderId": tr.sub.ID, "destinationFolderId": tr.dest.ID},
				"ONEDRIVE_RENAME_ITEM":   {"itemId": tr.b.ID, "name": "c.txt"},
				"ONEDRIVE_COPY_ITEM":     {"itemId": tr.a.ID, "destinationFolderId": tr.dest.ID},
			}
			for name, params := range cases {
				_, err := b.run(t, name, params)
				if ae := actionErr(t, err); ae.Err.Code != driveway.ECONFLICT || ae.Status() != 409 {
					t.Fatalf("%s: error %v, want conflict 409", name, err)
				}
			}
			// Rename on conflict keeps both.
			out := b.mustRun(t, "ONEDRIVE_CREATE_FOLDER", map[string]any{"name": "Docs", "conflictBehavior": "rename"})
			if out["name"] == "Docs" || out["id"] == tr.docs.ID {
				t.Fatalf("rename created %v", out)
			}
		})
	}
}

func TestEveryActionThrottled(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			b := newBundle(t, mode, opts{})
			tr := b.tree(t)
			b.emu.AddFault(emulator.Fault{Route: "graph", Status: 429, RetryAfter: 30})
			for i, c := range successCases() {
				// A new credential per action: one drive client each, so
				// the Retry-After pause of one does not hold the next.
				cred := b.addCredential(t, fmt.Sprintf("throttled%d", i), driveway.CredentialValid)
				p := &driveway.Principal{ProjectID: projectID, UserID: cred.UserID}
				out, err := b.exec.Run(t.Context(), p, cred.ID, c.name, c.params(tr))
				if c.name == "ONEDRIVE_REQUEST" {
					wantEqual(t, "request status", asMap(t, out)["status"], 429.0)
					continue
				}
				ae := actionErr(t, err)
				if ae.Err.Code != driveway.ETHROTTLED || ae.RetryAfter != 30*time.Second || ae.Status() != 429 {
					t.Fatalf("%s: error %v retry-after %v, want throttled 30s", c.name, err, ae.RetryAfter)
				}
			}
		})
	}
}
