package driveway

import (
	"context"
	"time"
)

// Store is the one storage contract. The sqlite and postgres packages
// implement it and the storetest suite holds both to it.
//
// Every method that takes a projectID returns only that project's records:
// a record of another project is ENOTFOUND, never an error that tells it
// exists. Methods return *Error with ENOTFOUND, ECONFLICT or EINVALID where
// the doc says so, and wrapped driver errors (EINTERNAL) otherwise.
type Store interface {
	Queries

	// WithTx runs fn in one transaction: committed when fn returns nil,
	// rolled back otherwise. Jobs inserted through tx.Driver() (see package
	// jobs) commit or vanish with it.
	WithTx(ctx context.Context, fn func(tx Tx) error) error

	// Ping reports whether the database answers and its migrations are all
	// applied (for /readyz).
	Ping(ctx context.Context) error
	Close() error
}

// Tx is a Store inside a transaction.
type Tx interface {
	Queries
	// Driver returns the engine's transaction (*sql.Tx for SQLite, pgx.Tx for
	// Postgres) so that the job queue can insert jobs in it.
	Driver() any
}

// Queries are the record operations, the same inside and outside a
// transaction.
type Queries interface {
	// CreateProject inserts p; ECONFLICT if the id exists.
	CreateProject(ctx context.Context, p *Project) error
	GetProject(ctx context.Context, id string) (*Project, error)
	// ListProjects lists every project, oldest first.
	ListProjects(ctx context.Context) ([]*Project, error)
	// UpdateProject replaces the name and allowed origins.
	UpdateProject(ctx context.Context, p *Project) error
	// DeleteProject deletes the project and everything that belongs to it.
	DeleteProject(ctx context.Context, id string) error

	// GetIntegration returns the project's OneDrive settings, ENOTFOUND when
	// none were saved yet.
	GetIntegration(ctx context.Context, projectID string) (*Integration, error)
	// PutIntegration creates or replaces the settings, client secrets and
	// certificate included.
	PutIntegration(ctx context.Context, in *Integration) error
	// SetIntegrationAlarm sets the alarm of the project's settings, only if
	// none is set, and reports whether it did; nil clears any alarm (and
	// reports whether there was one). It changes nothing else, so that it
	// never undoes a concurrent PutIntegration. ENOTFOUND without settings.
	SetIntegrationAlarm(ctx context.Context, projectID string, alarm *IntegrationAlarm) (bool, error)

	// CreateSigningKey inserts k; ECONFLICT if the project has that kid.
	CreateSigningKey(ctx context.Context, k *SigningKey) error
	GetSigningKey(ctx context.Context, projectID, id string) (*SigningKey, error)
	ListSigningKeys(ctx context.Context, projectID string) ([]*SigningKey, error)
	DeleteSigningKey(ctx context.Context, projectID, id string) error

	// CreateAPIKey inserts k; ECONFLICT if the id exists.
	CreateAPIKey(ctx context.Context, k *APIKey) error
	// GetAPIKey finds a key by id across projects (the id is the public
	// prefix of a presented secret); revoked keys are returned too.
	GetAPIKey(ctx context.Context, id string) (*APIKey, error)
	// ListAPIKeys lists a project's keys; projectID "" lists instance keys.
	ListAPIKeys(ctx context.Context, projectID string) ([]*APIKey, error)
	// RevokeAPIKey revokes the key (of projectID; "" for an instance key)
	// and every key it made, directly or not (ParentID), that is not yet
	// revoked; ENOTFOUND if there is no such key.
	RevokeAPIKey(ctx context.Context, projectID, id string, at time.Time) error
	// TouchAPIKey records a use of the key at a time from an address.
	TouchAPIKey(ctx context.Context, id string, at time.Time, addr string) error

	// UpsertConnectedUser creates the user or replaces its metadata.
	UpsertConnectedUser(ctx context.Context, u *ConnectedUser) error
	GetConnectedUser(ctx context.Context, projectID, id string) (*ConnectedUser, error)
	// ListConnectedUsers pages through a project's users ordered by id,
	// starting after the id "after".
	ListConnectedUsers(ctx context.Context, projectID, after string, limit int) ([]*ConnectedUser, error)
	// DeleteConnectedUser deletes the user and its credentials.
	DeleteConnectedUser(ctx context.Context, projectID, id string) error

	// CreateCredential inserts c with Version 1; the user must exist.
	CreateCredential(ctx context.Context, c *Credential) error
	GetCredential(ctx context.Context, projectID, id string) (*Credential, error)
	// ListCredentials lists a user's credentials, oldest first; userID ""
	// lists the whole project's.
	ListCredentials(ctx context.Context, projectID, userID string) ([]*Credential, error)
	// UpdateCredential writes every field of c if the stored version is
	// still c.Version, then sets c.Version to the new version; ECONFLICT
	// otherwise (the caller re-reads and decides).
	UpdateCredential(ctx context.Context, c *Credential) error
	DeleteCredential(ctx context.Context, projectID, id string) error

	// CreateOAuthState inserts a pending sign-in; ECONFLICT if the id exists.
	CreateOAuthState(ctx context.Context, s *OAuthState) error
	// ConsumeOAuthState deletes the state with id and returns it, in one
	// step: of two concurrent callers, one gets it and the other ENOTFOUND.
	// It returns expired states too (the caller checks ExpiresAt).
	ConsumeOAuthState(ctx context.Context, id string) (*OAuthState, error)
	// DeleteExpiredOAuthStates deletes states that expired before t and
	// returns how many.
	DeleteExpiredOAuthStates(ctx context.Context, t time.Time) (int, error)
	// CountOAuthStates counts a user's states (pending sign-ins and
	// completions) that expire at or after t.
	CountOAuthStates(ctx context.Context, projectID, userID string, t time.Time) (int, error)

	// PutInstallSession creates or replaces a session.
	PutInstallSession(ctx context.Context, s *InstallSession) error
	// GetInstallSession returns a project's session of a user.
	GetInstallSession(ctx context.Context, projectID, userID, id string) (*InstallSession, error)
	DeleteInstallSession(ctx context.Context, projectID, userID, id string) error
	// CountInstallSessions counts a user's sessions that expire at or
	// after t.
	CountInstallSessions(ctx context.Context, projectID, userID string, t time.Time) (int, error)
	// DeleteExpiredInstallSessions deletes sessions that expired before t
	// and returns how many.
	DeleteExpiredInstallSessions(ctx context.Context, t time.Time) (int, error)

	// AppendEvent records an event.
	AppendEvent(ctx context.Context, e *Event) error
	// ListEvents returns a project's events newest first, at most limit,
	// optionally only of one credential.
	ListEvents(ctx context.Context, projectID, credentialID string, limit int) ([]*Event, error)

	// AcquireLease takes the lease name for holder until now+ttl if it is
	// free, expired, or already holder's (which extends it), and reports
	// whether it did.
	AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error)
	// ReleaseLease frees the lease if holder holds it.
	ReleaseLease(ctx context.Context, name, holder string) error

	// ListCredentialsToRefresh returns up to limit VALID credentials (across
	// projects) last refreshed before t, oldest first: the idle ones whose
	// refresh token must be used before it lapses.
	ListCredentialsToRefresh(ctx context.Context, before time.Time, limit int) ([]*Credential, error)

	// ListSealed returns up to limit sealed values, in a stable order after
	// the cursor "after" (the Ref of the last value seen, zero to start).
	ListSealed(ctx context.Context, after SealedRef, limit int) ([]SealedValue, error)
	// ReplaceSealed swaps a sealed value for another sealing of the same
	// plain text, only if it still holds old; it reports whether it did.
	ReplaceSealed(ctx context.Context, v SealedValue, newCiphertext string) (bool, error)

	WorkflowQueries
	DataQueries
	WebhookQueries
	AuditQueries
	FileChangeQueries
	LoginQueries
}

// Sealer seals secrets at rest. Associated data binds each ciphertext to
// where it is stored, so that a ciphertext copied elsewhere does not open.
// Implementations must be safe for concurrent use.
type Sealer interface {
	Seal(plaintext []byte, at SealedRef) (string, error)
	// Open returns an error, never wrong plain text, for a ciphertext that
	// was tampered with, moved, or sealed under an unknown key.
	Open(ciphertext string, at SealedRef) ([]byte, error)
	// Current reports whether ciphertext is sealed under the newest key.
	Current(ciphertext string) bool
}

// SealedRef names where a sealed value lives: its table, column and row.
type SealedRef struct {
	Table  string
	Column string
	Row    string // the row's primary key; composite keys joined with "/"
}

// SealedValue is a sealed value and where it lives.
type SealedValue struct {
	Ref        SealedRef
	Ciphertext string
}

// ---- Workflows (package workflow) ----

// WorkflowQueries are the records of workflows: definitions and their
// versions, per-user enablement, runs and step runs, and project secrets.
type WorkflowQueries interface {
	// PutWorkflow saves a new version of w (w.Version is set to the stored
	// version: 1, then +1 per save) and makes it the head. ENOTFOUND when
	// the project does not exist.
	PutWorkflow(ctx context.Context, w *Workflow) error
	// GetWorkflow returns the head (newest version); ENOTFOUND if none.
	GetWorkflow(ctx context.Context, projectID, id string) (*Workflow, error)
	// GetWorkflowVersion returns one saved version; ENOTFOUND if none.
	GetWorkflowVersion(ctx context.Context, projectID, id string, version int) (*Workflow, error)
	// ListWorkflows lists a project's workflows (heads) ordered by id.
	ListWorkflows(ctx context.Context, projectID string) ([]*Workflow, error)
	// ListWorkflowsByTrigger lists heads with that trigger type, and with
	// that event name unless eventName is "". projectID "" lists every
	// project's (for the scheduler).
	ListWorkflowsByTrigger(ctx context.Context, projectID, triggerType, eventName string) ([]*Workflow, error)
	// DeleteWorkflow deletes the workflow, its versions and enablements
	// (runs stay); ENOTFOUND if none.
	DeleteWorkflow(ctx context.Context, projectID, id string) error

	// SetWorkflowEnabled records a user's choice for a workflow; ENOTFOUND
	// when the workflow does not exist.
	SetWorkflowEnabled(ctx context.Context, projectID, workflowID, userID string, enabled bool) error
	// ListWorkflowEnablement returns the explicit choices of users for a
	// workflow, by user id (users absent from it take the default).
	ListWorkflowEnablement(ctx context.Context, projectID, workflowID string) (map[string]bool, error)
	// ListUserWorkflowEnablement returns a user's explicit choices, by
	// workflow id.
	ListUserWorkflowEnablement(ctx context.Context, projectID, userID string) (map[string]bool, error)

	// CreateRun inserts r; ECONFLICT if the id exists (a deterministic id
	// makes a trigger fire once).
	CreateRun(ctx context.Context, r *WorkflowRun) error
	GetRun(ctx context.Context, projectID, id string) (*WorkflowRun, error)
	// UpdateRun writes r's status, response, error and finish time.
	UpdateRun(ctx context.Context, r *WorkflowRun) error
	// ListRuns lists a project's runs, newest first.
	ListRuns(ctx context.Context, projectID string, f RunFilter) ([]*WorkflowRun, error)
	// CountRuns counts a project's runs in a status; userID "" counts every
	// user's.
	CountRuns(ctx context.Context, projectID, userID, status string) (int, error)
	// AdmitRun moves a queued run to running when fewer than projectLimit
	// runs of its project, and fewer than userLimit runs of its user, are
	// running. Admissions of one project take turns, on every node, so
	// the last free slot goes to one run only. It returns the run's status
	// afterwards: RunRunning when admitted, RunQueued when at a limit, or
	// whatever status it had if it was not queued. ENOTFOUND if no run.
	AdmitRun(ctx context.Context, projectID, runID string, projectLimit, userLimit int) (string, error)
	// DeleteRunsBefore deletes finished runs (and their step runs) created
	// before t, in every project, and returns how many.
	DeleteRunsBefore(ctx context.Context, t time.Time) (int, error)

	// PutStepRun creates or replaces the step run (RunID, Key); ENOTFOUND
	// when the run does not exist.
	PutStepRun(ctx context.Context, s *StepRun) error
	// CommitStepRun is PutStepRun, and returns the step's run as it stands
	// then, in one round trip where the database allows: a change to the
	// run committed before (a cancel) is seen.
	CommitStepRun(ctx context.Context, s *StepRun) (*WorkflowRun, error)
	GetStepRun(ctx context.Context, projectID, runID, key string) (*StepRun, error)
	// ListStepRuns lists a run's step runs in the order they started.
	ListStepRuns(ctx context.Context, projectID, runID string) ([]*StepRun, error)

	// PutProjectSecret creates or replaces a secret; its value is sealed.
	PutProjectSecret(ctx context.Context, s *ProjectSecret) error
	// ListProjectSecrets lists a project's secrets with their values,
	// ordered by name.
	ListProjectSecrets(ctx context.Context, projectID string) ([]*ProjectSecret, error)
	DeleteProjectSecret(ctx context.Context, projectID, name string) error
}

// ---- Outgoing webhooks (package webhook) ----

// WebhookQueries are the records of outgoing webhooks: endpoints with their
// sealed signing secrets, the outbox of events not yet fanned out, and
// deliveries.
//
// The outbox: every AppendEvent of a project that has an enabled endpoint
// also records the event in the outbox, in the same transaction (a trigger
// in the engine's migration 0004), so no event is missed whoever records it.
type WebhookQueries interface {
	// CreateWebhookEndpoint inserts e with its secrets (sealed); ECONFLICT if
	// the id exists, ENOTFOUND if the project does not.
	CreateWebhookEndpoint(ctx context.Context, e *WebhookEndpoint) error
	// GetWebhookEndpoint returns an endpoint with its secrets opened.
	GetWebhookEndpoint(ctx context.Context, projectID, id string) (*WebhookEndpoint, error)
	// ListWebhookEndpoints lists a project's endpoints, oldest first, with
	// their secrets opened.
	ListWebhookEndpoints(ctx context.Context, projectID string) ([]*WebhookEndpoint, error)
	// UpdateWebhookEndpoint replaces the URL, description, event types,
	// enabled flag and secrets of e; ENOTFOUND if none.
	UpdateWebhookEndpoint(ctx context.Context, e *WebhookEndpoint) error
	// DeleteWebhookEndpoint deletes the endpoint and its deliveries.
	DeleteWebhookEndpoint(ctx context.Context, projectID, id string) error

	// ListWebhookOutbox returns up to limit events waiting in the outbox,
	// across projects, oldest first. On Postgres the rows are locked until
	// the transaction ends and rows locked by another are skipped, so call
	// it in a transaction that also deletes them.
	ListWebhookOutbox(ctx context.Context, limit int) ([]*Event, error)
	// DeleteWebhookOutbox removes an event from the outbox (no error when it
	// is not there).
	DeleteWebhookOutbox(ctx context.Context, projectID, eventID string) error

	// CreateWebhookDelivery inserts d unless the endpoint already has a
	// delivery of that event, and reports whether it did. ENOTFOUND when the
	// endpoint does not exist.
	CreateWebhookDelivery(ctx context.Context, d *WebhookDelivery) (bool, error)
	GetWebhookDelivery(ctx context.Context, projectID, id string) (*WebhookDelivery, error)
	// ListWebhookDeliveries lists a project's deliveries, newest first.
	ListWebhookDeliveries(ctx context.Context, projectID string, f DeliveryFilter) ([]*WebhookDelivery, error)
	// UpdateWebhookDelivery writes d's status, attempts, times, response code
	// and error; ENOTFOUND if none.
	UpdateWebhookDelivery(ctx context.Context, d *WebhookDelivery) error
	// DeleteWebhookDeliveriesBefore deletes finished (succeeded or dead)
	// deliveries last updated before t, in every project, and returns how
	// many.
	DeleteWebhookDeliveriesBefore(ctx context.Context, t time.Time) (int, error)
}

// ---- File Change (package filechange) ----

// FileChangeQueries are the records of change tracking: one DriveWatch per
// credential, the drive item index, and trigger subscriptions.
type FileChangeQueries interface {
	// CreateDriveWatch inserts w with Version 1; ECONFLICT if the
	// credential has one, ENOTFOUND if the credential does not exist.
	CreateDriveWatch(ctx context.Context, w *DriveWatch) error
	GetDriveWatch(ctx context.Context, projectID, credentialID string) (*DriveWatch, error)
	// FindDriveWatch finds a watch by Graph subscription id, across
	// projects (for notification intake); ENOTFOUND if none.
	FindDriveWatch(ctx context.Context, subscriptionID string) (*DriveWatch, error)
	// FindDriveWatches finds the watches of those subscription ids across
	// projects, in one round trip per few hundred ids (notification
	// intake); unknown and empty ids are left out, duplicates found once.
	FindDriveWatches(ctx context.Context, subscriptionIDs []string) ([]*DriveWatch, error)
	// ListDriveWatches lists a project's watches ordered by credential id;
	// projectID "" lists every project's (ordered by project, then
	// credential).
	ListDriveWatches(ctx context.Context, projectID string) ([]*DriveWatch, error)
	// ListDriveWatchesToRenew returns up to limit watches (across projects)
	// whose RenewAt is before t, earliest first.
	ListDriveWatchesToRenew(ctx context.Context, before time.Time, limit int) ([]*DriveWatch, error)
	// UpdateDriveWatch writes every field of w but NotifySeq if the stored
	// version is still w.Version, then sets w.Version; ECONFLICT otherwise.
	UpdateDriveWatch(ctx context.Context, w *DriveWatch) error
	// BumpDriveWatch adds one to NotifySeq (a notification was taken in)
	// without touching Version, and reports whether a round was already
	// owed before it (the old NotifySeq > DoneSeq), read in the same
	// statement so that a delta round committing concurrently is either
	// wholly before or wholly after; ENOTFOUND if there is no watch.
	BumpDriveWatch(ctx context.Context, projectID, credentialID string) (owed bool, err error)
	// DeleteDriveWatch deletes the watch and the credential's item index.
	DeleteDriveWatch(ctx context.Context, projectID, credentialID string) error

	// ListDriveItems returns the credential's whole item index.
	ListDriveItems(ctx context.Context, projectID, credentialID string) ([]*DriveItemEntry, error)
	// GetDriveItems returns the index entries of those item ids (unknown
	// ids are left out), ordered by item id.
	GetDriveItems(ctx context.Context, projectID, credentialID string, itemIDs []string) ([]*DriveItemEntry, error)
	// ListDriveItemChildren returns the index entries whose parent is one
	// of parentIDs, ordered by item id.
	ListDriveItemChildren(ctx context.Context, projectID, credentialID string, parentIDs []string) ([]*DriveItemEntry, error)
	// PutDriveItems creates or replaces index entries.
	PutDriveItems(ctx context.Context, items []*DriveItemEntry) error
	// DeleteDriveItems deletes index entries by item id.
	DeleteDriveItems(ctx context.Context, projectID, credentialID string, itemIDs []string) error

	// CreateTriggerSubscription inserts s; ECONFLICT if the id exists.
	CreateTriggerSubscription(ctx context.Context, s *TriggerSubscription) error
	GetTriggerSubscription(ctx context.Context, projectID, id string) (*TriggerSubscription, error)
	// ListTriggerSubscriptions lists a project's trigger subscriptions,
	// oldest first.
	ListTriggerSubscriptions(ctx context.Context, projectID string) ([]*TriggerSubscription, error)
	// UpdateTriggerSubscription replaces the filters; ENOTFOUND if none.
	UpdateTriggerSubscription(ctx context.Context, s *TriggerSubscription) error
	DeleteTriggerSubscription(ctx context.Context, projectID, id string) error
}
