package microsoft_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/drivewayhq/driveway/microsoft"
)

// TestAddressing checks the exact escaped paths the client puts on the wire.
func TestAddressing(t *testing.T) {
	t.Parallel()
	c, calls := stubGraph(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"id":"x","value":[]}`)
	})
	ctx := t.Context()
	refs := []microsoft.ItemRef{
		{},
		microsoft.ByPath("/Docs/a b#1 50%?.txt"),
		microsoft.ByPath("Docs//x:y/é+&=.txt/"),
		microsoft.ByID("9DCE4DBB007F8CEE!459"),
		{ID: "parent!1", Path: "sub/f.txt"},
		{Drive: microsoft.DriveRef{DriveID: "b!abc-_"}, Path: "/a"},
		{Drive: microsoft.DriveRef{SiteID: "contoso.sharepoint.com,g1,g2"}, ID: "01ABC"},
		{Drive: microsoft.DriveRef{GroupID: "g-1"}},
		{Drive: microsoft.DriveRef{UserID: "adele@contoso.com"}, Path: "/r"},
	}
	for _, r := range refs {
		if _, err := c.Get(ctx, r, nil, ""); err != nil {
			t.Fatalf("get %+v: %v", r, err)
		}
	}
	if _, err := c.ListChildren(ctx, microsoft.ByPath("/Docs"), &microsoft.Query{Select: []string{"id", "name"}, Top: 50, OrderBy: "name desc", Expand: "thumbnails"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Search(ctx, microsoft.ItemRef{}, "it's a/b", nil); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range *calls {
		p := c.Path
		if c.Query != "" {
			p += "?" + c.Query
		}
		got = append(got, p)
	}
	want := []string{
		"/v1.0/me/drive/root",
		"/v1.0/me/drive/root:/Docs/a%20b%231%2050%25%3F.txt:",
		"/v1.0/me/drive/root:/Docs/x%3Ay/%C3%A9%2B%26%3D.txt:",
		"/v1.0/me/drive/items/9DCE4DBB007F8CEE%21459",
		"/v1.0/me/drive/items/parent%211:/sub/f.txt:",
		"/v1.0/drives/b%21abc-_/root:/a:",
		"/v1.0/sites/contoso.sharepoint.com%2Cg1%2Cg2/drive/items/01ABC",
		"/v1.0/groups/g-1/drive/root",
		"/v1.0/users/adele%40contoso.com/drive/root:/r:",
		"/v1.0/me/drive/root:/Docs:/children?$select=id,name&$expand=thumbnails&$top=50&$orderby=name%20desc",
		"/v1.0/me/drive/root/search(q='it%27%27s%20a%2Fb')",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("paths (-want +got):\n%s", d)
	}
}

func TestNewDriveClientChecksOptions(t *testing.T) {
	t.Parallel()
	tok := func(context.Context) (string, error) { return "t", nil }
	if _, err := microsoft.NewDriveClient(microsoft.DriveOptions{BaseURL: "graph.microsoft.com/v1.0", Token: tok}); err == nil {
		t.Fatal("a relative base url was accepted")
	}
	if _, err := microsoft.NewDriveClient(microsoft.DriveOptions{BaseURL: "https://graph.microsoft.com/v1.0"}); err == nil {
		t.Fatal("a client without a token source was accepted")
	}
}
