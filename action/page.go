package action

import (
	"context"
	"encoding/base64"
	"encoding/json"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft"
)

// pageToken is what a nextPageToken holds: Graph's next link (empty for
// the first page) and how many of that page's items were returned already
// (when a size cap cut the page, see CapPage).
type pageToken struct {
	Link string `json:"l,omitempty"`
	Skip int    `json:"s,omitempty"`
}

func (t pageToken) encode() string {
	b, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodePageToken(s string) (pageToken, error) {
	var t pageToken
	if s == "" {
		return t, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &t)
	}
	if err != nil || t.Skip < 0 {
		return t, &Error{Err: driveway.Invalid("pageToken", "pageToken is not a token this API returned")}
	}
	return t, nil
}

// listPage fetches a page: the first one with first, or the one the
// pageToken parameter names; keep filters the items.
func (c *call) listPage(ctx context.Context, first func() (*microsoft.ItemPage, error), keep func(*microsoft.Item) bool) (*Page, error) {
	tok, err := decodePageToken(stringParam(c.params, "pageToken"))
	if err != nil {
		return nil, err
	}
	var page *microsoft.ItemPage
	if tok.Link == "" {
		page, err = first()
	} else {
		page, err = c.drive().NextPage(ctx, tok.Link)
	}
	if err != nil {
		return nil, err
	}
	items := page.Items
	if tok.Skip > 0 {
		items = items[min(tok.Skip, len(items)):]
	}
	out := &Page{Items: []Item{}}
	for i := range items {
		if keep == nil || keep(&items[i]) {
			out.Items = append(out.Items, itemOf(&items[i]))
		}
	}
	if page.NextLink != "" {
		out.NextPageToken = pageToken{Link: page.NextLink}.encode()
	}
	return out, nil
}

// CapPage trims p so that its JSON encoding stays within maxBytes
// (keeping at least one item) and, when it dropped items, points
// NextPageToken at them: the same Graph page, skipping what was returned.
// tokenIn is the pageToken the page was fetched with. It reports whether
// it trimmed.
func CapPage(p *Page, tokenIn string, maxBytes int) bool {
	b, _ := json.Marshal(p)
	if len(b) <= maxBytes || len(p.Items) <= 1 {
		return false
	}
	in, _ := decodePageToken(tokenIn)
	size, kept := 64+len(pageToken{Link: in.Link, Skip: 1 << 30}.encode()), 0
	for kept < len(p.Items) {
		ib, _ := json.Marshal(p.Items[kept])
		if kept > 0 && size+len(ib)+1 > maxBytes {
			break
		}
		size += len(ib) + 1
		kept++
	}
	if kept == len(p.Items) {
		return false
	}
	p.Items = p.Items[:kept]
	p.NextPageToken = pageToken{Link: in.Link, Skip: in.Skip + kept}.encode()
	return true
}
