package dashboard_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/google/go-cmp/cmp"
)

const canarySecret = "canary~Secret.Zq8_value-7f3a"

func settingsForm(expires time.Time) url.Values {
	return url.Values{
		"client_id":          {"11111111-2222-3333-4444-555555555555"},
		"new_secret":         {canarySecret},
		"new_secret_expires": {expires.Format("2006-01-02")},
		"scopes":             {"User.Read", "Files.ReadWrite.All", "Sites.Read.All"},
		"tenant_choice":      {"single"},
		"tenant_id":          {"contoso.onmicrosoft.com"},
		"cloud":              {"usgov"},
		"enabled":            {"1"},
		"allow_account_auth": {"1"},
	}
}

func TestOneDriveSettingsSavedAndRendered(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login()
	page := b.projectPath("/onedrive")
	resp, body := b.get(page)
	wantStatus(t, resp, http.StatusOK, body)
	wantContains(t, body, `value="`+testPublicURL+`/oauth" readonly`)
	wantContains(t, body, `value="offline_access" checked disabled`)
	wantContains(t, body, "OneDrive is not configured yet")

	expires := time.Now().UTC().AddDate(0, 0, 10)
	resp, body = b.post(page, page, settingsForm(expires))
	wantStatus(t, resp, http.StatusSeeOther, body)
	wantLocation(t, resp, page+"?done=saved")

	resp, body = b.get(page + "?done=saved")
	wantStatus(t, resp, http.StatusOK, body)
	for _, want := range []string{
		"Saved.",
		`value="11111111-2222-3333-4444-555555555555"`,
		"…7f3a, expires " + expires.Format("2006-01-02") + " (9 days left)",
		`value="Files.ReadWrite.All" checked`,
		`value="Sites.Read.All" checked`,
		`value="single" checked`,
		`value="contoso.onmicrosoft.com"`,
		`value="usgov" selected`,
		`name="enabled" value="1" checked`,
		`name="allow_account_auth" value="1" checked`,
		`class="banner warn expiry" role="alert">Client secret …7f3a expires in 9 days`,
	} {
		wantContains(t, body, want)
	}
	if strings.Contains(body, `value="Files.Read" checked`) {
		t.Fatal("Files.Read is checked but was not chosen")
	}

	got, err := b.svc.Store.GetIntegration(t.Context(), b.project.ID)
	if err != nil {
		t.Fatalf("GetIntegration: %v", err)
	}
	want := driveway.Integration{
		ClientID: "11111111-2222-3333-4444-555555555555", Scopes: []string{"offline_access", "User.Read", "Files.ReadWrite.All", "Sites.Read.All"},
		Tenant: "contoso.onmicrosoft.com", Cloud: "usgov", Enabled: true, AllowAccountAuth: true,
	}
	gotSettings := driveway.Integration{ClientID: got.ClientID, Scopes: got.Scopes, Tenant: got.Tenant, Cloud: got.Cloud, Enabled: got.Enabled,
		AllowAccountAuth: got.AllowAccountAuth}
	if diff := cmp.Diff(want, gotSettings); diff != "" {
		t.Fatalf("stored settings (-want +got):\n%s", diff)
	}
	if len(got.ClientSecrets) != 1 || got.ClientSecrets[0].Value != canarySecret {
		t.Fatalf("stored %d client secrets, want the one posted", len(got.ClientSecrets))
	}
	_, body = b.get("/dashboard/")
	wantContains(t, body, `<span class="badge warn">secret expiring</span>`)
	if b.seen(canarySecret) {
		t.Fatal("a response body contains the client secret")
	}
}

func TestOneDriveSecretRotation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login()
	page := b.projectPath("/onedrive")
	expires := time.Now().UTC().AddDate(1, 0, 0)
	save := func(form url.Values) {
		t.Helper()
		resp, body := b.post(page, page, form)
		wantStatus(t, resp, http.StatusSeeOther, body)
	}
	hints := func() []string {
		t.Helper()
		in, err := b.svc.Store.GetIntegration(t.Context(), b.project.ID)
		if err != nil {
			t.Fatalf("GetIntegration: %v", err)
		}
		var out []string
		for _, s := range in.ClientSecrets {
			out = append(out, s.Hint)
		}
		return out
	}
	save(settingsForm(expires)) // …7f3a
	form := settingsForm(expires)
	form.Set("new_secret", "second-secret-value-bbbb")
	form.Set("keep_current", "1")
	save(form)
	if diff := cmp.Diff([]string{"bbbb", "7f3a"}, hints()); diff != "" {
		t.Fatalf("secrets after a rotation that keeps the current one (-want +got):\n%s", diff)
	}
	form.Set("new_secret", "third-secret-value-cccc")
	save(form)
	if diff := cmp.Diff([]string{"cccc", "bbbb"}, hints()); diff != "" {
		t.Fatalf("secrets after a second rotation (-want +got):\n%s", diff)
	}

	// Saving without a new secret keeps them; removing one drops only it.
	form = settingsForm(expires)
	form.Del("new_secret")
	form.Del("new_secret_expires")
	save(form)
	if diff := cmp.Diff([]string{"cccc", "bbbb"}, hints()); diff != "" {
		t.Fatalf("secrets after saving other fields (-want +got):\n%s", diff)
	}
	in, _ := b.svc.Store.GetIntegration(t.Context(), b.project.ID)
	form.Set("remove_secret", in.ClientSecrets[1].ID)
	save(form)
	if diff := cmp.Diff([]string{"cccc"}, hints()); diff != "" {
		t.Fatalf("secrets after removing one (-want +got):\n%s", diff)
	}
	if b.seen(canarySecret) || b.seen("second-secret-value-bbbb") || b.seen("third-secret-value-cccc") {
		t.Fatal("a response body contains a client secret")
	}
}

func TestOneDriveAlarmBanner(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login()
	page := b.projectPath("/onedrive")
	resp, body := b.post(page, page, settingsForm(time.Now().AddDate(1, 0, 0)))
	wantStatus(t, resp, http.StatusSeeOther, body)
	in, err := b.svc.Store.GetIntegration(t.Context(), b.project.ID)
	if err != nil {
		t.Fatalf("GetIntegration: %v", err)
	}
	in.Alarm = &driveway.IntegrationAlarm{Reason: driveway.ReasonAppCredentialsInvalid, Detail: "AADSTS7000215: invalid client secret", Since: time.Now()}
	if err := b.svc.Store.PutIntegration(t.Context(), in); err != nil {
		t.Fatalf("PutIntegration: %v", err)
	}
	_, body = b.get(page)
	wantContains(t, body, `id="alarm"`)
	wantContains(t, body, "AADSTS7000215: invalid client secret")
	if strings.Contains(body, "banner warn expiry") {
		t.Fatal("an expiry warning shows for a secret a year away")
	}
}

func TestOneDriveValidationErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login()
	page := b.projectPath("/onedrive")
	expires := time.Now().UTC().AddDate(0, 3, 0)
	cases := []struct {
		name, field, message string
		edit                 func(url.Values)
	}{
		{"client id", "client_id", "client ID has characters", func(f url.Values) { f.Set("client_id", "bad id") }},
		{"no expiry", "new_secret_expires", "expiry date is required", func(f url.Values) { f.Del("new_secret_expires") }},
		{"bad date", "new_secret_expires", "YYYY-MM-DD", func(f url.Values) { f.Set("new_secret_expires", "31/01/2027") }},
		{"past expiry", "new_secret_expires", "in the past", func(f url.Values) { f.Set("new_secret_expires", "2001-01-01") }},
		{"short secret", "new_secret", "8 to 512 characters", func(f url.Values) { f.Set("new_secret", "short") }},
		{"no tenant id", "tenant", "tenant", func(f url.Values) { f.Set("tenant_id", "") }},
		{"bad tenant id", "tenant", "tenant must be", func(f url.Values) { f.Set("tenant_id", "not a tenant!") }},
		{"malformed scope", "scopes", "not a Microsoft Graph permission name", func(f url.Values) { f.Set("scopes_other", "Files.Read!") }},
		{"cloud", "cloud", "cloud must be", func(f url.Values) { f.Set("cloud", "mars") }},
	}
	for _, tc := range cases {
		form := settingsForm(expires)
		tc.edit(form)
		resp, body := b.post(page, page, form)
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: status %d, want 400", tc.name, resp.StatusCode)
		}
		msg := fieldMessage(t, body, tc.field)
		if !strings.Contains(msg, tc.message) {
			t.Fatalf("%s: the message beside %s is %q, want it to mention %q", tc.name, tc.field, msg, tc.message)
		}
		// The rest of the input is kept.
		wantContains(t, body, `value="Sites.Read.All" checked`)
		wantContains(t, body, `value="single" checked`)
		wantContains(t, body, `id="new_secret" name="new_secret" type="password" value=""`)
	}
	v, err := b.svc.GetIntegration(t.Context(), b.project.ID)
	if err != nil || v.Configured {
		t.Fatalf("after only invalid posts: configured %v (%v), want nothing saved", v.Configured, err)
	}
	if b.seen(canarySecret) {
		t.Fatal("a response body contains the client secret")
	}
}

// fieldMessage returns the error message shown beside the form field
// named field, failing when the field is not marked invalid.
func fieldMessage(t *testing.T, body, field string) string {
	t.Helper()
	if field == "scopes" {
		i := strings.Index(body, "<h2>Permissions</h2>")
		j := strings.Index(body[i:], `<p class="field-error">`)
		if i < 0 || j < 0 {
			t.Fatalf("no scope error in the page:\n%s", body)
		}
		return firstParagraph(body[i+j:])
	}
	name := `name="` + field + `"`
	if field == "tenant" {
		name = `name="tenant_choice"`
	}
	at := strings.Index(body, name)
	if at < 0 {
		t.Fatalf("no field %s in the page", field)
	}
	start := strings.LastIndex(body[:at], `class="field`)
	if start < 0 || !strings.Contains(strings.SplitN(body[start:], `"`, 3)[1], "invalid") {
		t.Fatalf("field %s is not marked invalid:\n%s", field, body)
	}
	j := strings.Index(body[at:], `<p class="field-error">`)
	if j < 0 {
		t.Fatalf("no error message after field %s:\n%s", field, body)
	}
	return firstParagraph(body[at+j:])
}

func firstParagraph(s string) string {
	s = strings.TrimPrefix(s, `<p class="field-error">`)
	end := strings.Index(s, "</p>")
	return s[:end]
}

// TestOneDriveNewPermissionKept: a permission Driveway's list does not know
// (Microsoft adds them) is saved as written with a warning, shown checked,
// and kept when the form is saved again without touching it.
func TestOneDriveNewPermissionKept(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login()
	page := b.projectPath("/onedrive")
	form := settingsForm(time.Now().UTC().AddDate(1, 0, 0))
	form.Set("scopes_other", "Files.SelectedOperations.Selected, FileStorageContainer.Selected")
	resp, body := b.post(page, page, form)
	wantStatus(t, resp, http.StatusSeeOther, body)
	want := []string{"Files.SelectedOperations.Selected", "FileStorageContainer.Selected"}
	check := func(when string) {
		v, err := b.svc.GetIntegration(t.Context(), b.project.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range want {
			if !slices.Contains(v.Scopes, s) {
				t.Fatalf("%s: scopes %v lack %s", when, v.Scopes, s)
			}
		}
		if len(v.ScopeWarnings) != 2 {
			t.Fatalf("%s: scope warnings %q", when, v.ScopeWarnings)
		}
	}
	check("after the first save")
	resp, body = b.get(page)
	wantStatus(t, resp, http.StatusOK, body)
	wantContains(t, body, `value="Files.SelectedOperations.Selected" checked`)
	wantContains(t, body, "Scope FileStorageContainer.Selected is not in Driveway&#39;s list")

	form = settingsForm(time.Now().UTC().AddDate(1, 0, 0))
	form.Set("keep_current", "1")
	form.Del("new_secret")
	form.Del("new_secret_expires")
	form["scopes"] = append(form["scopes"], want...) // the checked boxes a browser sends back
	resp, body = b.post(page, page, form)
	wantStatus(t, resp, http.StatusSeeOther, body)
	check("after saving the form again")
}
