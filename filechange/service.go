package filechange

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/internal/clientip"
	"github.com/drivewayhq/driveway/jobs"
	"github.com/drivewayhq/driveway/microsoft"
)

// Defaults of Options.
const (
	// DefaultLifetime is how far ahead a subscription's expiry is set:
	// under Graph's 42,300-minute cap for driveItem, with room for clock skew.
	DefaultLifetime = 42300*time.Minute - 30*time.Minute
	// DefaultRenewBefore is how long before expiry a renewal is due.
	DefaultRenewBefore = 3 * 24 * time.Hour
	// DefaultRenewJitter spreads renewals over this much time.
	DefaultRenewJitter = 24 * time.Hour
	// DefaultRetryAfter is how long after a failed create or renewal the
	// next attempt is due.
	DefaultRetryAfter = 10 * time.Minute
	// DefaultSafetyInterval is the period of the safety delta.
	DefaultSafetyInterval = 30 * time.Minute
	// DefaultPollInterval is the period of delta without subscriptions.
	DefaultPollInterval = 5 * time.Minute
	// NotifyPath and LifecyclePath are the intake routes under PublicURL.
	NotifyPath    = "/webhooks/microsoft/notify"
	LifecyclePath = "/webhooks/microsoft/lifecycle"
)

// TokenSource gives a credential's access token; *credential.Manager is
// one. Errors are *driveway.Error (EFORBIDDEN when the credential is not
// VALID).
type TokenSource interface {
	AccessToken(ctx context.Context, projectID, credentialID string) (string, *driveway.Credential, error)
}

// Hook receives each change after its events committed; the workflow
// engine's File Change trigger is one (the caller adapts it). It must be
// safe for concurrent use.
type Hook interface {
	FileChange(ctx context.Context, c *Change) error
}

// Options configure a Service. Store, Queue and Tokens are required.
type Options struct {
	Store  driveway.Store
	Queue  *jobs.Queue
	Tokens TokenSource
	// Resolver gives the Microsoft endpoints of each project's cloud (its
	// integration's Cloud): Graph calls and subscriptions of a national
	// cloud go to its own Graph. Tests and driveway dev override it with
	// the emulator's. The zero Resolver gives Microsoft's.
	Resolver microsoft.Resolver
	// HTTP is the client for Graph calls; http.DefaultClient when nil.
	HTTP *http.Client
	// PublicURL is Driveway's public origin (DRIVEWAY_PUBLIC_URL). Graph
	// subscriptions are used only when it is https (or AllowHTTP is set);
	// otherwise delta polls every PollInterval.
	PublicURL string
	// AllowHTTP accepts an http PublicURL (tests and the emulator, which
	// posts to loopback).
	AllowHTTP bool
	// Polling turns subscriptions off by choice.
	Polling bool
	// Hook, when set, is called with every change after it committed.
	Hook Hook
	// Now returns the time; time.Now when nil. Expiry and renewal use it.
	Now func() time.Time
	// Lifetime, RenewBefore, RenewJitter, RetryAfter, SafetyInterval,
	// PollInterval: see the Default* constants.
	Lifetime       time.Duration
	RenewBefore    time.Duration
	RenewJitter    time.Duration
	RetryAfter     time.Duration
	SafetyInterval time.Duration
	PollInterval   time.Duration
	// Logger receives failures (never a token or clientState); default
	// slog.Default().
	Logger *slog.Logger
	// ClientKey names the source of a notification POST for the per-source
	// limit of forged notifications (IntakeForgedBurst); default the remote
	// address (IPv6: its /64), trusting no forwarded header.
	ClientKey func(*http.Request) string
}

// Service manages drive watches, intake and delta. It is safe for
// concurrent use.
type Service struct {
	o     Options
	push  bool
	group groupCommit
	limit *sourceLimit
}

// New checks opts and returns a Service.
func New(opts Options) (*Service, error) {
	if opts.Store == nil || opts.Queue == nil || opts.Tokens == nil {
		return nil, errors.New("filechange: Store, Queue and Tokens are required")
	}
	setDefaults(&opts)
	return &Service{o: opts, push: pushMode(opts), limit: newSourceLimit()}, nil
}

// pushMode reports whether Graph can reach PublicURL: https (or http when
// AllowHTTP), and polling not chosen.
func pushMode(o Options) bool {
	u, err := url.Parse(o.PublicURL)
	if err != nil || u.Host == "" || o.Polling {
		return false
	}
	return u.Scheme == "https" || (o.AllowHTTP && u.Scheme == "http")
}

func setDefaults(o *Options) {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Lifetime, DefaultLifetime)
	def(&o.RenewBefore, DefaultRenewBefore)
	def(&o.RenewJitter, DefaultRenewJitter)
	def(&o.RetryAfter, DefaultRetryAfter)
	def(&o.SafetyInterval, DefaultSafetyInterval)
	def(&o.PollInterval, DefaultPollInterval)
	if o.HTTP == nil {
		o.HTTP = http.DefaultClient
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.ClientKey == nil {
		o.ClientKey = (*clientip.Resolver)(nil).Key
	}
	o.PublicURL = strings.TrimRight(o.PublicURL, "/")
}

// Push reports whether the service uses Graph subscriptions (true) or
// polls delta (false).
func (s *Service) Push() bool { return s.push }

func (s *Service) now() time.Time { return s.o.Now().UTC() }

// graphURL returns the Graph v1.0 base of the project's cloud; ENOTFOUND
// when the project has no OneDrive integration.
func (s *Service) graphURL(ctx context.Context, projectID string) (string, error) {
	in, err := s.o.Store.GetIntegration(ctx, projectID)
	if err != nil {
		return "", err
	}
	ep, err := s.o.Resolver.Endpoints(in.Cloud)
	if err != nil {
		return "", err
	}
	return ep.GraphV1(), nil
}

// subscriptions is the Graph subscriptions client for a cloud's Graph.
func (s *Service) subscriptions(graph string) microsoft.Subscriptions {
	return microsoft.Subscriptions{GraphV1: graph, HTTP: s.o.HTTP}
}
