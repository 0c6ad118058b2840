// Package action is the OneDrive action catalogue: stable names
// (ONEDRIVE_SAVE_FILE, ...), JSON Schemas (draft 2020-12) of each action's
// parameters and output, and one implementation per action on the Graph
// drive client. The same catalogue serves the Actions API (ActionKit's
// shape), workflow steps (Executor implements workflow.ActionRunner) and
// the MCP server (package mcp).
//
// Map of one run:
//
//	Executor.Run(principal, credentialID, name, params)         executor.go
//	 ├─ Catalogue.Lookup(name) → validate params (jsonschema/v6;  schema.go
//	 │   an EINVALID error names the field)
//	 ├─ session: the credential (named, or the user's only VALID  session.go
//	 │   one), checked to be the principal's; one DriveClient per
//	 │   credential; the drive from driveId / siteId (default /me/drive)
//	 ├─ the action: read.go (get, list, search, drives, changes),
//	 │   write.go (folders, move, rename, copy, delete, links),
//	 │   content.go (save from text, base64, a URL through netguard or a
//	 │   streamed multipart part; download as base64 or a signed link),
//	 │   request.go (ONEDRIVE_REQUEST: the Graph proxy, in-process)
//	 └─ Graph errors → *Error (errors.go): not found, conflict, forbidden,
//	     quota (507), throttled with its Retry-After
//
//	Actions API (http.go): GET/POST /projects/{pid}/actions and /tools,
//	behind the user-token check; credential by X-Driveway-Credential or
//	X-Paragon-Credential.
//	Download links (link.go): /projects/{pid}/actions/downloads/{token},
//	public; the token is HMAC-signed, expires, and is bound to the project,
//	credential, drive and item; the bytes stream through Driveway, so no
//	Graph token or pre-authenticated URL reaches the caller.
//
// Limits: ONEDRIVE_REQUEST keeps at most 4 MiB of an answer; search
// results are filtered per page (files or folders), so a page may hold
// fewer items than pageSize; LIST_CHANGES cursors are Graph's delta links.
package action
