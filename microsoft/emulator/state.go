package emulator

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// state is everything persisted. Guarded by Emulator.mu.
type state struct {
	Tenants map[string]*Tenant `json:"tenants"`
	Users   map[string]*User   `json:"users"`
	Apps    map[string]*App    `json:"apps"`
	Drives  map[string]*Drive  `json:"drives"`
	// Tokens, grants and subscriptions persist so a restarted `driveway dev`
	// keeps its connections.
	AccessTokens  map[string]*accessToken  `json:"accessTokens"`
	RefreshTokens map[string]*refreshToken `json:"refreshTokens"`
	Consents      map[string][]string      `json:"consents"` // userID|clientID → scopes
	Subscriptions map[string]*subscription `json:"subscriptions"`
	// Sites are the SharePoint sites made with CreateSite (sites.go);
	// Follows are the sites each user follows (userID → site ids).
	Sites   map[string]*Site    `json:"sites"`
	Follows map[string][]string `json:"follows"`
}

func newState() *state {
	s := &state{Tenants: map[string]*Tenant{}, Users: map[string]*User{}, Apps: map[string]*App{},
		Drives: map[string]*Drive{}, AccessTokens: map[string]*accessToken{},
		RefreshTokens: map[string]*refreshToken{}, Consents: map[string][]string{},
		Subscriptions: map[string]*subscription{}, Sites: map[string]*Site{}, Follows: map[string][]string{}}
	s.Tenants[ConsumersTenantID] = &Tenant{ID: ConsumersTenantID, Domain: "live.com",
		Name: "Microsoft Accounts", Personal: true}
	return s
}

// runtimeState is not persisted: codes, sessions, monitors, faults.
type runtimeState struct {
	codes     map[string]*authCode
	uploads   map[string]*uploadSession
	copies    map[string]*copyOp
	faults    []*Fault
	tokenFail []*TokenFault
	revoked   map[string]int // userID|clientID → AADSTS code for refresh
	nextUser  string
	queue     []*delivery
	invalid   map[string]bool // delta tokens invalidated one by one
	dropNotes float64         // fraction of notifications dropped (fault)
	// retryUntil ends the Retry-After window of the last throttling fault
	// (real time); holding is the fault repeated inside it, if Hold.
	retryUntil time.Time
	holding    *Fault
}

func newRuntime() runtimeState {
	return runtimeState{codes: map[string]*authCode{}, uploads: map[string]*uploadSession{},
		copies:  map[string]*copyOp{},
		revoked: map[string]int{}, invalid: map[string]bool{}}
}

// changed marks the state dirty for the persistence loop. Lock held or not.
func (e *Emulator) changed() {
	select {
	case e.dirty <- struct{}{}:
	default:
	}
}

// guid returns a random lower-case GUID.
func (e *Emulator) guid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// hex returns n random upper-case hex characters.
func (e *Emulator) hex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	s := strings.ToUpper(hex.EncodeToString(b))
	if s[0] == '0' { // keep CIDs 16 significant digits
		s = "1" + s[1:]
	}
	return s[:n]
}

// token returns a random url-safe string of about n bytes of entropy.
func (e *Emulator) token(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return strings.TrimRight(b64url(b), "=")
}

const base32Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// businessItemID returns 34 upper-case base32 characters starting "01".
func (e *Emulator) businessItemID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	out := []byte("01")
	for _, c := range b {
		out = append(out, base32Upper[c%32])
	}
	return string(out)
}

func sha1Sum(b []byte) [20]byte { return sha1.Sum(b) }

// isoTime formats service times: whole seconds on business, milliseconds on personal.
func isoTime(t time.Time, mode string) string {
	if mode == ModeBusiness {
		return t.UTC().Format("2006-01-02T15:04:05Z")
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
