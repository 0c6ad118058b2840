package microsoft

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Graph is a minimal Microsoft Graph client for what the install flow needs:
// the signed-in user and their drive. Every call carries the caller's
// bearer token; the client keeps no token.
type Graph struct {
	// Endpoints gives the Graph base (GraphV1 is used).
	Endpoints Endpoints
	// HTTP is the client; http.DefaultClient when nil.
	HTTP *http.Client
}

// Me is the part of GET /me that identifies the account.
type Me struct {
	ID                string `json:"id"`
	UserPrincipalName string `json:"userPrincipalName"`
	DisplayName       string `json:"displayName"`
	Mail              string `json:"mail"`
}

// Drive is the part of GET /me/drive that identifies the drive.
type Drive struct {
	ID        string `json:"id"`
	DriveType string `json:"driveType"`
	Name      string `json:"name"`
	WebURL    string `json:"webUrl"`
}

// GraphError is an error answer of Graph, decoded from its envelope
// ({"error":{"code","message","innerError"}}). Decide on Status and Code
// (compare codes case-insensitively with HasCode), never on Message.
type GraphError struct {
	Status int
	// Code is error.code, e.g. "itemNotFound" or "InvalidAuthenticationToken".
	Code string
	// InnerCodes are the codes of the nested inner errors, outermost first.
	InnerCodes []string
	// Message is Graph's developer text: for logs, never for users.
	Message   string
	RequestID string
}

func (e *GraphError) Error() string {
	return fmt.Sprintf("graph: %d %s (request %s)", e.Status, e.Code, e.RequestID)
}

// HasCode reports whether code is the error's code or one of its inner
// codes, compared case-insensitively.
func (e *GraphError) HasCode(code string) bool {
	if strings.EqualFold(e.Code, code) {
		return true
	}
	for _, c := range e.InnerCodes {
		if strings.EqualFold(c, code) {
			return true
		}
	}
	return false
}

// Me returns GET /me for the token's user.
func (g *Graph) Me(ctx context.Context, accessToken string) (*Me, error) {
	var m Me
	if err := g.get(ctx, accessToken, "/me", &m); err != nil {
		return nil, fmt.Errorf("get me: %w", err)
	}
	return &m, nil
}

// MyDrive returns GET /me/drive for the token's user.
func (g *Graph) MyDrive(ctx context.Context, accessToken string) (*Drive, error) {
	var d Drive
	if err := g.get(ctx, accessToken, "/me/drive", &d); err != nil {
		return nil, fmt.Errorf("get drive: %w", err)
	}
	return &d, nil
}

// maxGraphJSON bounds a JSON answer read by this client.
const maxGraphJSON = 1 << 20

func (g *Graph) get(ctx context.Context, accessToken, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.Endpoints.GraphV1()+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json")
	client := g.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return errors.New("graph unreachable: " + redactURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxGraphJSON))
	if err != nil {
		return errors.New("graph answer cut short")
	}
	if resp.StatusCode/100 != 2 {
		return decodeGraphError(resp, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return errors.New("graph answered with malformed JSON")
	}
	return nil
}

// decodeGraphError reads Graph's error envelope. The inner error key is
// spelled "innerError" by the gateway and "innererror" by OneDrive; both
// are read, and nested inner errors are walked.
func decodeGraphError(resp *http.Response, body []byte) *GraphError {
	e := &GraphError{Status: resp.StatusCode, RequestID: resp.Header.Get("request-id")}
	var env struct {
		Error map[string]json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil || env.Error == nil {
		e.Code = http.StatusText(resp.StatusCode)
		return e
	}
	_ = json.Unmarshal(env.Error["code"], &e.Code)
	_ = json.Unmarshal(env.Error["message"], &e.Message)
	inner := innerOf(env.Error)
	for depth := 0; inner != nil && depth < 8; depth++ {
		var code, rid string
		_ = json.Unmarshal(inner["code"], &code)
		_ = json.Unmarshal(inner["request-id"], &rid)
		if code != "" {
			e.InnerCodes = append(e.InnerCodes, code)
		}
		if e.RequestID == "" {
			e.RequestID = rid
		}
		inner = innerOf(inner)
	}
	return e
}

func innerOf(m map[string]json.RawMessage) map[string]json.RawMessage {
	for k, raw := range m {
		if strings.EqualFold(k, "innerError") {
			var inner map[string]json.RawMessage
			if json.Unmarshal(raw, &inner) == nil {
				return inner
			}
		}
	}
	return nil
}
