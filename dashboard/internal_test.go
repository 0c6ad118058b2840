package dashboard

import (
	"testing"
	"time"

	"github.com/drivewayhq/driveway/admin"
	"github.com/google/go-cmp/cmp"
)

func TestSafeNext(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                               "/dashboard/",
		"/dashboard/projects/prj_1":      "/dashboard/projects/prj_1",
		"https://evil.example/dashboard": "/dashboard/",
		"//evil.example/dashboard/":      "/dashboard/",
		"/dashboard//evil.example":       "/dashboard/",
		"/dashboard/\\evil.example":      "/dashboard/",
		"/dashboardx":                    "/dashboard/",
	} {
		if got := safeNext(in); got != want {
			t.Fatalf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSecretLabel(t *testing.T) {
	t.Parallel()
	at := time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   admin.SecretView
		want string
	}{
		{admin.SecretView{Hint: "abcd", ExpiresAt: at, DaysLeft: 40}, "…abcd, expires 2027-01-31 (40 days left)"},
		{admin.SecretView{Hint: "abcd", ExpiresAt: at, DaysLeft: 1}, "…abcd, expires 2027-01-31 (1 day left)"},
		{admin.SecretView{Hint: "abcd", ExpiresAt: at, DaysLeft: -3, Expired: true}, "…abcd, expired 2027-01-31"},
	} {
		if got := secretLabel(tc.in); got != tc.want {
			t.Fatalf("secretLabel = %q, want %q", got, tc.want)
		}
	}
}

func TestFormSecrets(t *testing.T) {
	t.Parallel()
	cur := []admin.SecretView{{ID: "sec_new"}, {ID: "sec_old"}}
	exp := time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		form  oneDriveForm
		value string
		want  []admin.ClientSecretInput
	}{
		{"untouched", oneDriveForm{}, "", nil},
		{"remove one", oneDriveForm{Remove: map[string]bool{"sec_new": true}}, "", []admin.ClientSecretInput{{ID: "sec_old"}}},
		{"remove all", oneDriveForm{Remove: map[string]bool{"sec_new": true, "sec_old": true}}, "", []admin.ClientSecretInput{}},
		{"replace", oneDriveForm{NewSecretExpires: "2027-01-31"}, "s3cret-value", []admin.ClientSecretInput{{Value: "s3cret-value", ExpiresAt: exp}}},
		{"rotate", oneDriveForm{NewSecretExpires: "2027-01-31", KeepCurrent: true}, "s3cret-value",
			[]admin.ClientSecretInput{{Value: "s3cret-value", ExpiresAt: exp}, {ID: "sec_new"}}},
		{"rotate, current removed", oneDriveForm{NewSecretExpires: "2027-01-31", KeepCurrent: true, Remove: map[string]bool{"sec_new": true}}, "s3cret-value",
			[]admin.ClientSecretInput{{Value: "s3cret-value", ExpiresAt: exp}, {ID: "sec_old"}}},
		{"value without date", oneDriveForm{}, "s3cret-value", []admin.ClientSecretInput{{Value: "s3cret-value"}}},
	} {
		got, errs := tc.form.secrets(cur, tc.value)
		if errs != nil {
			t.Fatalf("%s: errors %v", tc.name, errs)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Fatalf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}
