// Package webhook sends a project's events to the customer's app: signed
// per Standard Webhooks (https://www.standardwebhooks.com), retried with
// backoff for about a day, dead-lettered after, and redelivered on demand.
//
// The flow:
//
//	AppendEvent(e) ──(trigger, same tx)──▶ webhook_outbox        when the project has an enabled endpoint
//	Enqueue(ctx, tx, e) ─┐                                        optional, in the event's own tx
//	dispatch job ────────┴─▶ fanOut: per matching endpoint, one   (every DispatchInterval, on the leader)
//	                         delivery row (unique per endpoint and event) + one deliver job,
//	                         and the outbox row deleted, all in one transaction
//	deliver job ──▶ POST {type, timestamp, data} through netguard, headers webhook-id (the event id),
//	                webhook-timestamp, webhook-signature (v1,<HMAC> per active secret)
//	    2xx ──▶ succeeded (row + job completion in one tx)
//	    else ──▶ failed, snooze Schedule[n] (5 s, 5 min, 30 min, 2 h, 5 h, 10 h) ──▶ … ──▶ dead
//	Redeliver ──▶ pending + a new deliver job, in one tx
//	purge job (hourly) ──▶ succeeded and dead deliveries older than Retention deleted
//
// Guarantees: an event recorded in a committed transaction reaches every
// matching endpoint's delivery exactly once (the outbox row and the
// deliveries change in one transaction; the (endpoint, event) key is
// unique), and each delivery is POSTed at least once until a 2xx: a crash
// after the POST and before the outcome is recorded sends it again with
// the same webhook-id, which receivers use to drop duplicates. Order is not
// guaranteed.
//
// Receivers' answers: 2xx is success; 3xx is a failure (redirects are not
// followed); 410 Gone kills the delivery and disables the endpoint; a 429 or
// 503 with Retry-After (seconds) waits at least that long before the next
// attempt.
//
// Limits: the schedule has no jitter, and endpoints that fail for long are
// not disabled automatically (their deliveries die and stay listed).
package webhook
