// Package filechange turns changes in users' OneDrives into typed events:
// it keeps one Graph subscription per watched credential, takes Graph's
// notifications in, runs delta against a per-credential item index, and
// records onedrive.file.* / onedrive.folder.* events (package webhook
// delivers them) and calls the workflow hook.
//
// The flow:
//
//	Watch(project, credential)            a consumer appeared (trigger subscription, File Change workflow)
//	  └─ tx: DriveWatch row + jobs filechange.renew, filechange.delta
//	filechange.renew  ── POST/PATCH /subscriptions (clientState: 256 random bits, sealed at rest)
//	                     expiry near 42,300 min; RenewAt = expiry − RenewBefore − jitter
//	                     404 on renewal or reauthorizationRequired ──▶ renewed or re-created
//	POST /webhooks/microsoft/notify       validationToken ──▶ 200 text/plain, the token byte-exact
//	  └─ subscriptionId ──▶ DriveWatch, clientState compared in constant time (else discarded)
//	  └─ tx: NotifySeq+1 + unique job filechange.delta (one per credential) ──▶ 202 (503 if not stored)
//	filechange.delta  ── first run: token=latest baseline + full enumeration ──▶ item index, no events
//	                     later: follow nextLinks to the deltaLink (410 ──▶ full enumeration)
//	                     diff against the index ──▶ created|updated|renamed|moved|deleted
//	                     tx (CAS on the watch): deltaLink, index changes, events, filechange.hook job,
//	                     and the job's completion unless notified meanwhile (then it snoozes)
//	filechange.hook   ── Hook.FileChange for each change (at least once; Change.ID is stable)
//	filechange.sweep  ── periodic: renew due subscriptions; safety delta of every watch
//
// Guarantees: a notification answered 202 has its delta job committed; a
// delta run's link, index and events commit together, and a change is
// recorded only when the index did not already hold that item's eTag, so
// a delta run repeated after a crash, a duplicated notification, or a
// resync after 410 records nothing twice. Dropped notifications are caught
// by the safety delta (default every 30 minutes).
package filechange
