package microsoft

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// TokenError is a refusal or failure of the token endpoint. Decide on it
// with Class, which reads the AADSTS numbers in error_codes, never the
// description text.
type TokenError struct {
	Status      int    // HTTP status; 0 when the endpoint was not reached
	Code        string // the OAuth "error", e.g. "invalid_grant"
	ErrorCodes  []int  // AADSTS numbers, e.g. 70008
	Description string // error_description: for operators' logs only, never for users
	TraceID     string
	Correlation string
	// Transport is true when no answer came (timeout, connection refused).
	Transport bool
	// RetryAfter is the wait Microsoft asked for, if any.
	RetryAfter time.Duration
}

func (e *TokenError) Error() string {
	if e.Transport {
		return "token endpoint: " + e.Description
	}
	return fmt.Sprintf("token endpoint: %d %s %v (trace %s)", e.Status, e.Code, e.ErrorCodes, e.TraceID)
}

// Class is what a token error means for the credential or the app.
type Class string

// Classes of token errors.
const (
	ClassNeedsReauth      Class = "needs_reauth"            // the grant is revoked or expired: the user must connect again
	ClassNeedsConsent     Class = "needs_consent"           // consent is missing for a scope
	ClassNeedsInteractive Class = "needs_interactive"       // MFA or another interaction is required
	ClassAppCredentials   Class = "app_credentials_invalid" // the app's secret or certificate is refused: a project-level alarm
	ClassTransient        Class = "transient"               // timeouts, 5xx, throttling: retry with backoff
	ClassOther            Class = "other"
)

// AADSTS numbers by meaning (reference/microsoft-graph.md §6.3).
var (
	// Revoked, expired or unusable grants: only a new sign-in helps.
	codesReauth = []int{70008, 50173, 700082, 70000, 700084, 70043}
	// Consent missing for a requested scope.
	codesConsent = []int{65001}
	// MFA, a lapsed SSO session, or another interaction required.
	codesInteractive = []int{50076, 50079, 50058}
	// The app's own credentials or registration: invalid or expired secret,
	// missing secret or assertion, app not found in the tenant.
	codesApp = []int{7000215, 7000222, 7000218, 700016}
)

// Class classifies the error.
func (e *TokenError) Class() Class {
	if e.Transport || e.Status >= 500 || e.Status == http.StatusTooManyRequests {
		return ClassTransient
	}
	for _, c := range e.ErrorCodes {
		switch {
		case slices.Contains(codesApp, c):
			return ClassAppCredentials
		case slices.Contains(codesReauth, c):
			return ClassNeedsReauth
		case slices.Contains(codesConsent, c):
			return ClassNeedsConsent
		case slices.Contains(codesInteractive, c):
			return ClassNeedsInteractive
		}
	}
	switch e.Code {
	case "invalid_client", "unauthorized_client":
		return ClassAppCredentials
	case "interaction_required", "login_required":
		return ClassNeedsInteractive
	case "consent_required":
		return ClassNeedsConsent
	case "invalid_grant":
		return ClassNeedsReauth
	case "temporarily_unavailable":
		return ClassTransient
	}
	return ClassOther
}

// Has reports whether the error carries AADSTS number code.
func (e *TokenError) Has(code int) bool { return slices.Contains(e.ErrorCodes, code) }

type tokenErrorBody struct {
	Error         string `json:"error"`
	Description   string `json:"error_description"`
	ErrorCodes    []int  `json:"error_codes"`
	TraceID       string `json:"trace_id"`
	CorrelationID string `json:"correlation_id"`
}

func decodeTokenError(resp *http.Response, body []byte) *TokenError {
	e := &TokenError{Status: resp.StatusCode}
	var b tokenErrorBody
	if json.Unmarshal(body, &b) == nil {
		e.Code, e.Description, e.ErrorCodes, e.TraceID, e.Correlation = b.Error, b.Description, b.ErrorCodes, b.TraceID, b.CorrelationID
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		e.RetryAfter = time.Duration(s) * time.Second
	}
	return e
}
