package emulator

import (
	"net/url"
	"strings"
	"testing"
)

// modes pairs each drive mode's user with a token, for tests that run in both.
func (f *fixture) modes() []struct {
	name string
	user User
	tok  string
} {
	return []struct {
		name string
		user User
		tok  string
	}{{ModeBusiness, f.biz, f.tokB}, {ModePersonal, f.personal, f.tokP}}
}

// Microsoft's delta page says parentReference.path is not returned, but the
// live service sends it for work or school drives and omits it for personal
// ones: https://github.com/OneDrive/onedrive-api-docs/issues/298 quotes both
// responses. Sync clients (abraunegg/onedrive, rclone's ChangeNotify) build
// local paths from it on business drives.
func TestDeltaParentPathByMode(t *testing.T) {
	f := setup(t, Options{})
	for _, m := range f.modes() {
		file, err := f.s.WriteFile(m.user.ID, "/Docs/Sub/a.txt", []byte("x"))
		must(t, err)
		items, _, _ := f.deltaRound("/me/drive/root/delta", m.tok)
		got := str(items[file.ID], "parentReference", "path")
		wantPath := ""
		if m.name == ModeBusiness {
			wantPath = "/drive/root:/Docs/Sub"
		}
		want(t, m.name+" delta parentReference.path", got, wantPath)
		want(t, m.name+" delta parentReference.id", str(items[file.ID], "parentReference", "id"),
			f.s.mustStat(t, m.user.ID, "/Docs/Sub").ID)
	}
}

// The authentication scheme is case-insensitive (RFC 7235 §2.1:
// https://www.rfc-editor.org/rfc/rfc7235#section-2.1) and Graph accepts
// "bearer"; a missing token is still refused.
func TestBearerSchemeCaseInsensitive(t *testing.T) {
	f := setup(t, Options{})
	for _, m := range f.modes() {
		for _, scheme := range []string{"bearer ", "BEARER ", "Bearer  "} {
			code, body := f.call("GET", "/me/drive/root", "", nil, "Authorization", scheme+m.tok)
			want(t, m.name+" "+scheme+"status", code, 200)
			want(t, m.name+" root name", str(body, "name"), "root")
		}
		for _, bad := range []string{"bearer ", "Basic " + m.tok, m.tok} {
			code, _ := f.call("GET", "/me/drive/root", "", nil, "Authorization", bad)
			want(t, m.name+" "+bad+" status", code, 401)
		}
	}
}

// createUploadSession takes driveItemUploadableProperties, whose
// fileSystemInfo and description are writable, and the instance attribute
// @microsoft.graph.conflictBehavior:
// https://learn.microsoft.com/en-us/graph/api/driveitem-createuploadsession
// https://learn.microsoft.com/en-us/graph/api/resources/driveitemuploadableproperties
func TestUploadSessionHonoursItemProperties(t *testing.T) {
	f := setup(t, Options{RejectPreAuthAuthorization: true})
	for _, m := range f.modes() {
		_, err := f.s.WriteFile(m.user.ID, "/up/t.txt", []byte("old"))
		must(t, err)
		for _, c := range []struct{ conflict, name string }{{"replace", "t.txt"}, {"rename", "t 1.txt"}} {
			item := map[string]any{"@microsoft.graph.conflictBehavior": c.conflict, "description": "from a laptop",
				"fileSystemInfo": map[string]any{"createdDateTime": "2020-01-02T03:04:05.678Z", "lastModifiedDateTime": "2021-06-07T08:09:10Z"}}
			code, s := f.call("POST", "/me/drive/root:/up/t.txt:/createUploadSession", m.tok, map[string]any{"item": item})
			want(t, m.name+" session status", code, 200)
			code, it := f.putRange(str(s, "uploadUrl"), []byte("new"), 0, 3)
			if code != 200 && code != 201 {
				t.Fatalf("%s %s commit status %d: %v", m.name, c.conflict, code, it)
			}
			want(t, m.name+" name", str(it, "name"), c.name)
			want(t, m.name+" fs modified", str(it, "fileSystemInfo", "lastModifiedDateTime"), "2021-06-07T08:09:10Z")
			want(t, m.name+" fs created", str(it, "fileSystemInfo", "createdDateTime"), "2020-01-02T03:04:05Z")
			want(t, m.name+" description", str(it, "description"), "from a laptop")
			if strings.HasPrefix(str(it, "lastModifiedDateTime"), "2021") {
				t.Fatalf("%s: the service's lastModifiedDateTime took the client's time", m.name)
			}
		}
		code, s := f.call("POST", "/me/drive/root:/up/t.txt:/createUploadSession", m.tok,
			map[string]any{"item": map[string]any{"@microsoft.graph.conflictBehavior": "fail"}})
		want(t, m.name+" fail on existing", code, 409)
		want(t, m.name+" fail code", errCode(s), "nameAlreadyExists")
	}
}

// Microsoft's "Restrictions and limitations in OneDrive and SharePoint"
// (https://support.microsoft.com/en-us/office/restrictions-and-limitations-in-onedrive-and-sharepoint-64883a5d-228e-48f5-b3d2-eb39e07630fa)
// lists what both account kinds refuse; "#" and "%" are allowed in
// OneDrive for work or school and SharePoint Online.
func TestNameRulesByMode(t *testing.T) {
	f := setup(t, Options{})
	allowed := []string{"50% #1.txt", "a#b", "100%", "mail@example.com.txt", "~file.txt", "&{}[].txt", "CON.txt", "forms.txt"}
	refused := []string{"a:b", "a*b", "a<b", "a>b", `a"b`, "a?b", `a\b`, "a|b", " lead", "trail ", "dot.",
		".lock", "CON", "prn", "AUX", "nul", "COM0", "lpt9", "desktop.ini", "~$budget.xlsx", "my_vti_file", "_VTI_"}
	for _, m := range f.modes() {
		for _, name := range allowed {
			code, body := f.call("PUT", "/me/drive/root:/"+url.PathEscape(name)+":/content", m.tok, "x")
			if code != 201 {
				t.Fatalf("%s: %q refused: %d %v", m.name, name, code, body)
			}
			want(t, m.name+" stored name", str(body, "name"), name)
		}
		for _, name := range refused {
			code, body := f.call("POST", "/me/drive/root/children", m.tok, map[string]any{"name": name, "folder": map[string]any{}})
			want(t, m.name+" folder "+name+" status", code, 400)
			want(t, m.name+" folder "+name+" code", errCode(body), "invalidRequest")
		}
	}
	// SharePoint only: folders beginning with a tilde, and "forms" at the library root.
	_, err := f.s.MakeFolder(f.biz.ID, "/Sub")
	must(t, err)
	_, err = f.s.MakeFolder(f.personal.ID, "/Sub")
	must(t, err)
	for _, c := range []struct {
		path, name string
		personal   int
	}{{"root", "~tmp", 201}, {"root", "Forms", 201}, {"root:/Sub:", "forms", 201}} {
		wantBiz := 400
		if c.path != "root" {
			wantBiz = 201
		}
		code, _ := f.call("POST", "/me/drive/"+c.path+"/children", f.tokB, map[string]any{"name": c.name, "folder": map[string]any{}})
		want(t, "business folder "+c.path+"/"+c.name, code, wantBiz)
		code, _ = f.call("POST", "/me/drive/"+c.path+"/children", f.tokP, map[string]any{"name": c.name, "folder": map[string]any{}})
		want(t, "personal folder "+c.path+"/"+c.name, code, c.personal)
	}
}

// Graph decodes the URL before it splits a path (an encoded "/" is a
// separator: microsoftgraph/microsoft-graph-docs#10167), and a name can never
// hold "/" (Restrictions and limitations in OneDrive and SharePoint), so
// root:/.%2FDocs addresses the folder Docs.
func TestEncodedSlashInPath(t *testing.T) {
	f := setup(t, Options{})
	for _, m := range f.modes() {
		file, err := f.s.WriteFile(m.user.ID, "/Docs/Sub/a.txt", []byte("x"))
		must(t, err)
		docs := f.s.mustStat(t, m.user.ID, "/Docs")
		for _, p := range []string{"/root:/.%2FDocs", "/root:/Docs%2F", "/root:%2FDocs:", "/root:/Docs%2FSub%2F..:"} {
			code, body := f.call("GET", "/me/drive"+p, m.tok, nil)
			want(t, m.name+" "+p+" status", code, 200)
			want(t, m.name+" "+p+" id", str(body, "id"), docs.ID)
		}
		code, body := f.call("GET", "/me/drive/root:/Docs%2FSub%2Fa.txt", m.tok, nil)
		want(t, m.name+" nested status", code, 200)
		want(t, m.name+" nested id", str(body, "id"), file.ID)
		code, body = f.call("GET", "/me/drive/items/"+docs.ID+":/..%2F..%2FDocs%2FSub:/children", m.tok, nil)
		want(t, m.name+" dot-dot stays below the base", code, 404)
		want(t, m.name+" dot-dot code", errCode(body), "itemNotFound")
	}
}
