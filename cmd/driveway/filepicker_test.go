package main

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// TestDevPickedItemsWorkWithActions: in driveway dev, accountAuth names the
// emulator as the picker's DOMAIN and hands out a token for the picker's
// resource; an item as the picker's API shows it (its id and drive id) is
// what Get File and Download File take, and the bytes are the file's.
func TestDevPickedItemsWorkWithActions(t *testing.T) {
	t.Parallel()
	r, info, dir := startDev(t)
	d := newDevClient(t, r, info, dir, "u-picker")
	d.connect()
	tok := d.tok
	do := d.do
	_, body, _ := do("GET", r.base+"/projects/"+info.ProjectID+"/sdk/credentials?integration=onedrive&includeAccountAuth=true", tok, "")
	var acct struct{ AccountAuth map[string]string }
	_ = json.Unmarshal([]byte(body), &acct)
	domain, pickerTok := acct.AccountAuth["DOMAIN"], acct.AccountAuth["OAUTH_ACCESS_TOKEN"]
	if !strings.HasSuffix(domain, "/_ms") || pickerTok == "" {
		t.Fatalf("accountAuth in dev: DOMAIN %q, token given %v; want the emulator and a token", domain, pickerTok != "")
	}
	status, body, _ := do("GET", domain+"/_api/v2.0/me/drive/root:/Documents/budget.csv", pickerTok, "")
	var item struct {
		ID              string
		ParentReference struct{ DriveID string }
	}
	if status != 200 || json.Unmarshal([]byte(body), &item) != nil || item.ID == "" || item.ParentReference.DriveID == "" {
		t.Fatalf("the picker's view of budget.csv: %d %s", status, body)
	}
	params, _ := json.Marshal(map[string]string{"fileId": item.ID, "driveId": item.ParentReference.DriveID})
	actions := r.base + "/projects/" + info.ProjectID + "/actions"
	status, body, _ = do("POST", actions, tok, `{"action":"ONEDRIVE_GET_FILE_BY_ID","parameters":`+string(params)+`}`)
	if status != 200 || !strings.Contains(body, `"budget.csv"`) {
		t.Fatalf("Get File with the picked ids: %d %s", status, body)
	}
	status, body, _ = do("POST", actions, tok, `{"action":"ONEDRIVE_DOWNLOAD_FILE","parameters":`+string(params)+`}`)
	var dl struct{ ContentBase64 string }
	_ = json.Unmarshal([]byte(body), &dl)
	if got, _ := base64.StdEncoding.DecodeString(dl.ContentBase64); status != 200 || string(got) != "item,amount\nlaptops,12000\nsoftware,3400\n" {
		t.Fatalf("Download File with the picked ids: %d %s", status, body)
	}
}
