package proxy

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// HeaderParagonSDK is sent by the published Paragon SDK on every call.
const HeaderParagonSDK = "X-Paragon-SDK-Version"

// maxErrorBody bounds the Graph error answer read to add its status.
const maxErrorBody = 64 << 10

// addErrorStatus adds the HTTP status to a Graph error answer's JSON
// object ({"error": {...}, "statusCode": 409}) when the caller is the published
// Paragon SDK: its request() throws an error whose `response` is the
// parsed body and drops the status line, so without this an app cannot
// tell a conflict from a missing item but by Graph's code. Other answers,
// and bodies that are not a JSON object or already have a status, pass
// unchanged.
func addErrorStatus(resp *http.Response) {
	if resp.StatusCode < 400 || resp.Body == nil || resp.Body == http.NoBody {
		return
	}
	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return
	}
	if ce := strings.ToLower(resp.Header.Get("Content-Encoding")); ce != "" && ce != "identity" {
		return
	}
	orig := resp.Body
	raw, err := io.ReadAll(io.LimitReader(orig, maxErrorBody+1))
	if err != nil || len(raw) > maxErrorBody {
		resp.Body = readCloser{io.MultiReader(bytes.NewReader(raw), orig), orig}
		return
	}
	_ = orig.Close()
	body := withStatus(raw, resp.StatusCode)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
}

// withStatus returns the JSON object raw with "statusCode": code added, or raw
// as it is.
func withStatus(raw []byte, code int) []byte {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return raw
	}
	if _, ok := obj["statusCode"]; ok {
		return raw
	}
	obj["statusCode"] = json.RawMessage(strconv.Itoa(code))
	out, err := json.Marshal(obj)
	if err != nil {
		return raw
	}
	return out
}
