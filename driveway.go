// Package driveway is the vocabulary of Driveway: the records it keeps, the
// contracts its parts implement, and the error codes they return. It does no
// I/O; storage engines, HTTP and Microsoft live in their own packages and meet
// only in cmd/driveway.
//
// The map of a request: httpapi authenticates it (API key, user token or
// dashboard session), calls a service, and that service reads and writes
// through a Store. Secrets in the records here are plain text in memory only:
// every Store seals them with a Sealer before they reach the database.
package driveway
