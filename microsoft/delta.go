package microsoft

import (
	"context"
	"fmt"
	"net/http"
)

// DeltaPage is one page of changes. Exactly one of NextLink (more pages
// follow) and DeltaLink (this round is over: store it and pass it to
// Delta later) is set.
type DeltaPage struct {
	Items     []Item `json:"value"`
	NextLink  string `json:"@odata.nextLink,omitempty"`
	DeltaLink string `json:"@odata.deltaLink,omitempty"`
}

// Delta reads one page of the drive's changes. With link "" it starts a
// full enumeration of the root (GET {drive}/root/delta, with q); otherwise
// it follows a NextLink or a stored DeltaLink (opaque links that must lie
// under the Graph base). Items are the latest state of each changed item
// (deleted ones carry Deleted; parentReference.path is absent; an item may
// appear twice, the last wins). An expired link is a *GraphError for which
// IsResyncRequired is true: enumerate again from "" and reconcile.
func (c *DriveClient) Delta(ctx context.Context, d DriveRef, link string, q *Query) (*DeltaPage, error) {
	u, err := c.deltaURL(d, link, q, "")
	if err != nil {
		return nil, err
	}
	var pg DeltaPage
	if _, err := c.doJSON(ctx, &request{method: http.MethodGet, url: u, idempotent: true}, &pg); err != nil {
		return nil, fmt.Errorf("delta: %w", err)
	}
	return &pg, nil
}

func (c *DriveClient) deltaURL(d DriveRef, link string, q *Query, token string) (string, error) {
	if link != "" {
		return link, c.checkLink(link)
	}
	p, err := ItemRef{Drive: d}.urlPath("delta")
	if err != nil {
		return "", err
	}
	query := q.encode()
	if token != "" {
		if query != "" {
			query += "&"
		}
		query += "token=" + token
	}
	return c.graphURL(p, query), nil
}

// DeltaLatest returns a delta link for "from now on", without enumerating
// the drive (token=latest).
func (c *DriveClient) DeltaLatest(ctx context.Context, d DriveRef) (string, error) {
	u, err := c.deltaURL(d, "", nil, "latest")
	if err != nil {
		return "", err
	}
	for {
		var pg DeltaPage
		if _, err := c.doJSON(ctx, &request{method: http.MethodGet, url: u, idempotent: true}, &pg); err != nil {
			return "", fmt.Errorf("delta latest: %w", err)
		}
		if pg.DeltaLink != "" {
			return pg.DeltaLink, nil
		}
		if pg.NextLink == "" {
			return "", fmt.Errorf("delta latest: graph gave neither a next nor a delta link")
		}
		if err := c.checkLink(pg.NextLink); err != nil {
			return "", err
		}
		u = pg.NextLink
	}
}

// DeltaAll follows pages from link ("" for a full enumeration) until a
// delta link, calling fn with each page's items, and returns the delta
// link to store. When fn fails, DeltaAll stops and returns its error.
func (c *DriveClient) DeltaAll(ctx context.Context, d DriveRef, link string, q *Query, fn func([]Item) error) (string, error) {
	for {
		pg, err := c.Delta(ctx, d, link, q)
		if err != nil {
			return "", err
		}
		if err := fn(pg.Items); err != nil {
			return "", err
		}
		switch {
		case pg.DeltaLink != "":
			return pg.DeltaLink, nil
		case pg.NextLink == "":
			return "", fmt.Errorf("delta: graph gave neither a next nor a delta link")
		}
		link = pg.NextLink
	}
}
