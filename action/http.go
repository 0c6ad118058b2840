package action

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/connect"
)

// MaxJSONBody bounds a JSON POST to the Actions API (inline base64
// content included). Larger files go as a multipart part, streamed.
const MaxJSONBody = 64 << 20

// Routes returns the Actions API routes, which need the user token: serve
// them behind connect.Handler.Authenticated (put them in
// connect.Handler.SDKRoutes). PublicRoutes are served without it.
func (e *Executor) Routes() []connect.Route {
	list, run := http.HandlerFunc(e.serveList), http.HandlerFunc(e.serveRun)
	return []connect.Route{
		{Pattern: "GET /projects/{pid}/actions", Handler: list},
		{Pattern: "GET /projects/{pid}/tools", Handler: list},
		{Pattern: "POST /projects/{pid}/actions", Handler: run},
		{Pattern: "POST /projects/{pid}/tools", Handler: run},
	}
}

// PublicRoutes returns the signed download route (DownloadRoute), which
// its signature authorizes: mount it without the user-token check.
func (e *Executor) PublicRoutes() []connect.Route {
	return []connect.Route{{Pattern: DownloadRoute, Handler: http.HandlerFunc(e.ServeDownload)}}
}

// Listing is the answer of GET /projects/{pid}/actions.
type Listing struct {
	Actions map[string][]Function `json:"actions"`
	Errors  []any                 `json:"errors"`
}

func (e *Executor) principal(r *http.Request) (*driveway.Principal, error) {
	p := driveway.PrincipalFrom(r.Context())
	if p == nil || p.ProjectID != r.PathValue("pid") {
		return nil, &Error{Err: driveway.Errorf(driveway.EUNAUTHORIZED, "a user token of this project is required")}
	}
	return p, nil
}

// serveList answers the catalogue as OpenAI-style function tools:
// ?format=json_schema (the default; "paragon" is not offered),
// ?integrations=onedrive,..., ?limit_to_available=false to list OneDrive
// even when the user has not connected it.
func (e *Executor) serveList(w http.ResponseWriter, r *http.Request) {
	p, err := e.principal(r)
	if err != nil {
		writeError(w, r, e, err)
		return
	}
	q := r.URL.Query()
	if f := q.Get("format"); f != "" && f != "json_schema" {
		writeError(w, r, e, &Error{Err: driveway.Invalid("format", "only format=json_schema is supported")})
		return
	}
	out := Listing{Actions: map[string][]Function{}, Errors: []any{}}
	if want := q.Get("integrations"); want != "" && !listed(want, Integration) {
		writeJSON(w, http.StatusOK, out)
		return
	}
	if q.Get("limit_to_available") != "false" {
		creds, err := e.Store.ListCredentials(r.Context(), p.ProjectID, p.UserID)
		if err != nil {
			writeError(w, r, e, err)
			return
		}
		if !hasOneDrive(creds) {
			writeJSON(w, http.StatusOK, out)
			return
		}
	}
	out.Actions[Integration] = e.Catalogue.Functions()
	writeJSON(w, http.StatusOK, out)
}

func listed(csv, name string) bool {
	for _, s := range strings.Split(csv, ",") {
		if strings.EqualFold(strings.TrimSpace(s), name) {
			return true
		}
	}
	return false
}

func hasOneDrive(creds []*driveway.Credential) bool {
	for _, c := range creds {
		if c.Integration == driveway.IntegrationOneDrive {
			return true
		}
	}
	return false
}

// runRequest is the body of POST /projects/{pid}/actions.
type runRequest struct {
	Action     string         `json:"action"`
	Parameters map[string]any `json:"parameters"`
}

// serveRun runs one action: a JSON body {action, parameters}, or a
// multipart/form-data body whose parts are "action", "parameters" (JSON)
// and then "file", streamed into ONEDRIVE_SAVE_FILE.
func (e *Executor) serveRun(w http.ResponseWriter, r *http.Request) {
	p, err := e.principal(r)
	if err != nil {
		writeError(w, r, e, err)
		return
	}
	cred := r.Header.Get(HeaderCredential)
	if cred == "" {
		cred = r.Header.Get(HeaderParagonCredential)
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var out any
	if mt == "multipart/form-data" {
		out, err = e.runMultipart(r, p, cred)
	} else {
		var req runRequest
		if err = decodeBody(w, r, &req); err == nil {
			out, err = e.Run(r.Context(), p, cred, req.Action, req.Parameters)
		}
	}
	if err != nil {
		writeError(w, r, e, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func decodeBody(w http.ResponseWriter, r *http.Request, v *runRequest) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxJSONBody))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return &Error{Err: driveway.Invalid("parameters", "the body is larger than %d MiB: send large files as a multipart file part", MaxJSONBody>>20)}
		}
		return &Error{Err: driveway.Invalid("body", "the body must be a JSON object {action, parameters}")}
	}
	if v.Action == "" {
		return &Error{Err: driveway.Invalid("action", "action is required")}
	}
	return nil
}

// runMultipart reads the "action" and "parameters" parts, then streams the
// "file" part into ONEDRIVE_SAVE_FILE without buffering it.
func (e *Executor) runMultipart(r *http.Request, p *driveway.Principal, cred string) (any, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, &Error{Err: driveway.Invalid("body", "the multipart body cannot be read")}
	}
	req := runRequest{Action: "ONEDRIVE_SAVE_FILE"}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, &Error{Err: driveway.Invalid("file", "the multipart body has no file part")}
		}
		if err != nil {
			return nil, &Error{Err: driveway.Invalid("body", "the multipart body cannot be read")}
		}
		switch part.FormName() {
		case "action":
			b, _ := io.ReadAll(io.LimitReader(part, 256))
			req.Action = strings.TrimSpace(string(b))
		case "parameters":
			dec := json.NewDecoder(io.LimitReader(part, 1<<20))
			dec.UseNumber()
			if err := dec.Decode(&req.Parameters); err != nil {
				return nil, &Error{Err: driveway.Invalid("parameters", "the parameters part must be a JSON object")}
			}
		case "file":
			if req.Action != "ONEDRIVE_SAVE_FILE" {
				return nil, &Error{Err: driveway.Invalid("action", "only ONEDRIVE_SAVE_FILE takes a file part")}
			}
			if req.Parameters == nil {
				req.Parameters = map[string]any{}
			}
			if _, ok := req.Parameters["name"]; !ok && req.Parameters["path"] == nil && part.FileName() != "" {
				req.Parameters["name"] = part.FileName()
			}
			return e.SaveStream(r.Context(), p, cred, req.Parameters, part)
		}
	}
}

// SaveStream runs ONEDRIVE_SAVE_FILE with its content read from body
// (parameters.size bytes), streamed through an upload session: at most two
// fragments are held in memory.
func (e *Executor) SaveStream(ctx context.Context, p *driveway.Principal, credentialID string, params map[string]any, body io.Reader) (any, error) {
	return e.runStream(ctx, p, credentialID, "ONEDRIVE_SAVE_FILE", params, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, r *http.Request, e *Executor, err error) {
	if driveway.ErrorCode(err) == driveway.EINTERNAL {
		e.logger().ErrorContext(r.Context(), "action request failed", "route", r.Pattern, "err", err)
	}
	if ra := RetryAfterHeader(err); ra != "" {
		w.Header().Set("Retry-After", ra)
	}
	status, body := ErrorBody(err)
	writeJSON(w, status, body)
}

// copyBuffer copies through buf (hiding w's ReaderFrom, so the buffer
// size, not the reader's, sets the write size).
func copyBuffer(w io.Writer, r io.Reader, buf []byte) (int64, error) {
	return io.CopyBuffer(struct{ io.Writer }{w}, r, buf)
}
