package driveway

import "time"

// MaxActiveWebhookSecrets is how many signing secrets an endpoint may hold at
// once: the new one and, during a rotation, the one it replaces. Every
// delivery is signed with each of them.
const MaxActiveWebhookSecrets = 2

// WebhookEndpoint is a URL of the customer's app that receives the project's
// events, signed per Standard Webhooks (package webhook).
type WebhookEndpoint struct {
	ProjectID   string
	ID          string // "whe_" + random
	URL         string // https (http on loopback only in development)
	Description string
	// EventTypes filters the events sent: exact kinds
	// ("credential.status_changed") or prefixes ending in ".*"
	// ("onedrive.file.*"). Empty means every event.
	EventTypes []string
	Enabled    bool
	// Secrets sign deliveries, newest first, at most
	// MaxActiveWebhookSecrets. Value is plain text in memory only: the store
	// seals it, and no API ever reads it back after it is created.
	Secrets   []WebhookSecret
	CreatedAt time.Time
	UpdatedAt time.Time
}

// WebhookSecret is one signing secret of an endpoint.
type WebhookSecret struct {
	ID    string // "whs_" + random
	Value string // "whsec_" + base64 of 32 random bytes
	// ExpiresAt is when a rotated-out secret stops signing; zero for the
	// current one.
	ExpiresAt time.Time
	CreatedAt time.Time
}

// Statuses of a webhook delivery.
const (
	DeliveryPending   = "pending"   // queued, not attempted yet (or queued again by a redelivery)
	DeliveryFailed    = "failed"    // the last attempt failed; another is scheduled at NextAttemptAt
	DeliverySucceeded = "succeeded" // the endpoint answered 2xx
	DeliveryDead      = "dead"      // out of attempts (or the endpoint is gone or disabled); redeliver by hand
)

// WebhookDelivery is one event on its way to one endpoint: created once per
// (endpoint, event), attempted until it succeeds or is dead.
type WebhookDelivery struct {
	ProjectID  string
	ID         string // "whd_" + random
	EndpointID string
	EventID    string // also the webhook-id header, stable across attempts
	EventType  string
	// Payload is the JSON body sent, fixed when the delivery is created.
	Payload []byte
	Status  string
	// Attempts counts the attempts of the current round (a redelivery starts
	// a new round at 0).
	Attempts      int
	NextAttemptAt time.Time // zero when no attempt is scheduled
	LastAttemptAt time.Time
	// ResponseCode is the HTTP status of the last attempt, 0 when none came
	// back (a timeout, a refused connection).
	ResponseCode int
	// Error is a short, secret-free reason for the last failure.
	Error     string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// DeliveryFilter selects deliveries to list.
type DeliveryFilter struct {
	EndpointID string // "" for every endpoint
	Status     string // "" for every status
	Limit      int    // 100 when 0 or less
}
