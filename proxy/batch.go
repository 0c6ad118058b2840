package proxy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/drivewayhq/driveway"
)

// checkBatch reads a $batch body (at most MaxBatchBody bytes) and checks
// the URL of every nested request as if it were sent to the proxy itself:
// a relative Graph path, or a full URL on the cloud's Graph host. The body
// is put back for the upstream.
func (p *Proxy) checkBatch(r *http.Request, base *url.URL) error {
	if r.Body == nil {
		return driveway.Invalid("requests", "a $batch request needs a body")
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, p.maxBatchBody()+1))
	if err != nil {
		return fmt.Errorf("read $batch body: %w", err)
	}
	if int64(len(raw)) > p.maxBatchBody() {
		return errTooLarge
	}
	var b struct {
		Requests []struct {
			URL string `json:"url"`
		} `json:"requests"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		return driveway.Invalid("requests", "the $batch body is not JSON")
	}
	for i, q := range b.Requests {
		path, query, _ := strings.Cut(q.URL, "?")
		u, err := buildTarget(strings.TrimPrefix(path, "/"), query, base)
		if err == nil && isBatch(u, base) {
			err = driveway.Invalid("url", "a $batch may not nest another $batch")
		}
		if err != nil {
			return driveway.Invalid(fmt.Sprintf("requests[%d].url", i), "%s", driveway.ErrorMessage(err))
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	r.ContentLength = int64(len(raw))
	return nil
}
