// Package mcp serves the OneDrive action catalogue to AI agents over the
// Model Context Protocol (streamable HTTP, github.com/modelcontextprotocol/go-sdk)
// at /projects/{pid}/mcp, for the one end user whose user token the
// request carries.
//
// Map of one request:
//
//	connect.Handler.Authenticated (user token → driveway.Principal)
//	 └─ Server.ServeHTTP: the project in the path must be the token's
//	     └─ go-sdk StreamableHTTPHandler, stateless: every HTTP request gets
//	        its own MCP server bound to that principal and to the credential
//	        header (X-Driveway-Credential / X-Paragon-Credential), so a
//	        session can never act for another user
//	         └─ tools: one per action, same names and schemas; destructive
//	            ones carry destructiveHint, read-only ones readOnlyHint
//	             └─ call: action.Executor.RunCapped → structured result,
//	                capped to MaxResultBytes: a listing is cut and its
//	                nextPageToken (a change list: its cursor) points at the
//	                rest; downloads above
//	                MaxInline come back as a signed link
//
// Limits: stateless mode, so server-to-client requests (sampling,
// elicitation) are not available; none are needed.
package mcp

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/action"
	"github.com/drivewayhq/driveway/connect"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Route is the pattern of the MCP endpoint (every method: POST for
// messages; GET and DELETE answer 405 in stateless mode).
const Route = "/projects/{pid}/mcp"

// Defaults for the Server fields left zero.
const (
	DefaultMaxResultBytes = 64 << 10
	DefaultMaxInline      = 256 << 10
)

// Server is the MCP endpoint. Set the fields, then serve from any number
// of goroutines. Executor is required.
type Server struct {
	Executor *action.Executor
	// MaxResultBytes caps a tool result's JSON (default 64 KiB).
	MaxResultBytes int
	// MaxInline is the largest download returned as base64 (default
	// 256 KiB); larger files come back as a signed link.
	MaxInline int64
	// Version is reported to clients (default "dev").
	Version string
	// Logger receives internal failures; default slog.Default().
	Logger *slog.Logger

	once    sync.Once
	handler http.Handler
}

// Routes returns the MCP route, to serve behind the user-token check
// (connect.Handler.SDKRoutes).
func (s *Server) Routes() []connect.Route {
	return []connect.Route{{Pattern: Route, Handler: s}}
}

// ServeHTTP serves one MCP HTTP request for the principal in its context.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := driveway.PrincipalFrom(r.Context())
	if p == nil || p.ProjectID != r.PathValue("pid") {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"statusCode":401,"message":"a user token of this project is required","code":"unauthorized"}`))
		return
	}
	s.streamable().ServeHTTP(w, r)
}

func (s *Server) streamable() http.Handler {
	s.once.Do(func() { s.handler = s.newHandler() })
	return s.handler
}

func (s *Server) newHandler() http.Handler {
	return sdk.NewStreamableHTTPHandler(s.serverFor, &sdk.StreamableHTTPOptions{
		Stateless:    true,
		JSONResponse: true,
		// The endpoint is authenticated by a bearer token, never a cookie,
		// so DNS rebinding gains nothing; and behind a reverse proxy on the
		// same host the Host header is the public name.
		DisableLocalhostProtection: true,
		Logger:                     s.Logger,
	})
}

// serverFor builds the MCP server of one HTTP request: its tools run for
// the request's principal and credential.
func (s *Server) serverFor(r *http.Request) *sdk.Server {
	p := driveway.PrincipalFrom(r.Context())
	cred := r.Header.Get(action.HeaderCredential)
	if cred == "" {
		cred = r.Header.Get(action.HeaderParagonCredential)
	}
	srv := sdk.NewServer(&sdk.Implementation{Name: "driveway-onedrive", Title: "Driveway OneDrive", Version: s.version()}, nil)
	for _, a := range s.Executor.Catalogue.Actions() {
		srv.AddTool(tool(a), s.handle(p, cred, a.Name))
	}
	return srv
}

func tool(a *action.Action) *sdk.Tool {
	destructive := a.Destructive
	return &sdk.Tool{Name: a.Name, Description: a.Description, InputSchema: a.Input, OutputSchema: a.Output,
		Annotations: &sdk.ToolAnnotations{DestructiveHint: &destructive, ReadOnlyHint: a.ReadOnly, IdempotentHint: a.ReadOnly}}
}

func (s *Server) handle(p *driveway.Principal, cred, name string) sdk.ToolHandler {
	return func(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
		params := map[string]any{}
		if len(req.Params.Arguments) > 0 {
			if err := json.Unmarshal(req.Params.Arguments, &params); err != nil {
				return errorResult(&action.Error{Err: driveway.Invalid("arguments", "the arguments must be a JSON object")}), nil
			}
		}
		out, err := s.Executor.RunCapped(ctx, p, cred, name, params, s.maxInline())
		if err != nil {
			if driveway.ErrorCode(err) == driveway.EINTERNAL {
				s.logger().ErrorContext(ctx, "mcp tool failed", "tool", name, "err", err)
			}
			return errorResult(err), nil
		}
		return s.result(out, params)
	}
}

// result encodes out, capped to MaxResultBytes.
func (s *Server) result(out any, params map[string]any) (*sdk.CallToolResult, error) {
	switch v := out.(type) {
	case *action.Page:
		tok, _ := params["pageToken"].(string)
		action.CapPage(v, tok, s.maxResult())
	case *action.Changes:
		cur, _ := params["cursor"].(string)
		action.CapChanges(v, cur, s.maxResult())
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	if len(b) > s.maxResult() {
		return errorResult(&action.Error{Err: driveway.Invalid("parameters",
			"the result is larger than %d KiB: ask for less (pageSize, a narrower path or query)", s.maxResult()>>10)}), nil
	}
	return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: string(b)}}, StructuredContent: json.RawMessage(b)}, nil
}

func errorResult(err error) *sdk.CallToolResult {
	_, body := action.ErrorBody(err)
	b, _ := json.Marshal(body)
	return &sdk.CallToolResult{IsError: true, Content: []sdk.Content{&sdk.TextContent{Text: string(b)}}}
}

func (s *Server) maxResult() int {
	if s.MaxResultBytes > 0 {
		return s.MaxResultBytes
	}
	return DefaultMaxResultBytes
}

func (s *Server) maxInline() int64 {
	if s.MaxInline > 0 {
		return s.MaxInline
	}
	return DefaultMaxInline
}

func (s *Server) version() string {
	if s.Version != "" {
		return s.Version
	}
	return "dev"
}

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}
