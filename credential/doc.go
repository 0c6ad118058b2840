// Package credential keeps connected OneDrive credentials usable: it hands
// out valid access tokens, refreshes them ahead of expiry and after a Graph
// 401, records what Microsoft's refusals mean, and refreshes idle
// credentials before their refresh tokens lapse.
//
// The flow of one AccessToken or Invalidate call:
//
//	GetCredential ── VALID and not expiring within RefreshMargin? ──▶ token
//	     │ else
//	single flight per credential in this process (flight.go)
//	     │ one caller runs, the others wait for its result
//	AcquireLease("refresh:"+id) across nodes (refresh.go)
//	     │ taken: re-read the credential; still needs a refresh?
//	     │ not taken: poll the credential until its version moves or the lease lapses
//	Identity.Refresh with the integration's app credentials (app.go)
//	     ├─ ok ──▶ UpdateCredential (compare-and-swap on the version read):
//	     │         the new refresh token is stored before anyone gets the access token
//	     └─ TokenError.Class() (failure.go)
//	          needs_reauth / needs_consent / needs_interactive ──▶ INVALID + reason + one event
//	          app_credentials_invalid ──▶ Integration.Alarm + one event; the user's credential is untouched;
//	                                      this node then probes that project's app at most once a minute
//	          transient ──▶ RefreshFailures+1, status unchanged, ETHROTTLED / EUNAVAILABLE with RetryAfter
//
// The idle job (idle.go, kind "credential.refresh_idle", hourly) refreshes
// VALID credentials not refreshed for IdleAfter (7 days), so that the
// 90-day refresh-token lifetime never lapses.
//
// ResourceToken (resource.go) serves the OneDrive File Picker, which needs
// a token for another resource than Graph: the tenant's SharePoint origin
// for a work or school account, ConsumerOneDriveResource for a personal
// one. It redeems the stored refresh token for that resource, caches the
// token in memory until RefreshMargin before it expires (one call per
// credential and resource at a time), and never stores it nor the refresh
// token Microsoft returns along; package connect hands it out as
// accountAuth (docs/file-picker.md).
//
// Collector exposes driveway_credential_refreshes_total{outcome} and
// driveway_token_endpoint_seconds{result} (metrics.go).
//
// Errors returned to callers are *driveway.Error (possibly wrapped, see
// RetryAfter) whose messages never hold a token, a secret, or Microsoft's
// error description.
package credential
