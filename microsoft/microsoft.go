// Package microsoft holds what Driveway knows about Microsoft: the national
// clouds and their endpoints, the delegated Microsoft Graph scopes, the
// identity platform client, and the Graph drive client. Every URL here can
// be replaced through Endpoints, so tests and `driveway dev` point it at the
// emulator in package microsoft/emulator.
//
// Map of the drive client (DriveClient, one per credential):
//
//	NewDriveClient(DriveOptions{BaseURL, HTTP, Token, Invalidate, ...})   driveclient.go
//	 │  send: throttle gate (Retry-After pauses every call) → bearer token →
//	 │        one request → 401: Invalidate once, retry → 429 (any method) /
//	 │        5xx (idempotent only): wait Retry-After or back off, bounded →
//	 │        errors decoded into *GraphError (errors.go: IsNotFound, IsConflict,
//	 │        IsThrottled, IsQuota, IsForbidden, IsResyncRequired, ...)
//	 ├─ addressing   DriveRef (/me/drive, /drives/{id}, /sites/{id}/drive, ...) and
//	 │               ItemRef (id, path, id + relative path), segments escaped   refs.go
//	 ├─ items.go     Get, ListChildren / NextPage / Children, Search, CreateFolder
//	 │               (409 and 200-with-existing), Update / Rename / Move, Delete,
//	 │               PermanentDelete
//	 ├─ drive.go     GetDrive, ListDrives, CreateLink
//	 ├─ upload.go    Upload (io.ReaderAt) and UploadStream (io.Reader): simple PUT up
//	 │   session.go  to 4 MiB, else an upload session: 320 KiB-multiple fragments to
//	 │   source.go   the pre-authenticated URL without Authorization, resumed from
//	 │   prefetch.go nextExpectedRanges after a cut, 416, 5xx or throttling, cancelled
//	 │               on failure, QuickXorHash compared at the end
//	 ├─ download.go  Download: GET content → 302 → pre-authenticated URL without
//	 │               Authorization; Range; resumes from the last byte after a cut
//	 ├─ copy.go      Copy → monitor URL; CopyStatus / WaitCopy decide on its status
//	 └─ delta.go     Delta, DeltaAll, DeltaLatest; 410 → IsResyncRequired
//
// Graph (graph.go) is the older, token-per-call client the install flow
// uses for /me and /me/drive.
package microsoft
