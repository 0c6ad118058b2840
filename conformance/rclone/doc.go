// Package rclone runs rclone, an independent OneDrive client hardened
// against the live service, against the Driveway emulator
// (microsoft/emulator) and through Driveway's proxy (proxy/):
//
//   - fstests_test.go runs rclone's own integration suite (fstest/fstests,
//     through the test of rclone's OneDrive backend) for a business and a
//     personal drive, and through the proxy for a business drive;
//   - cli_test.go runs everyday flows with the rclone command (Debian's
//     package): copy, check by QuickXorHash, move, server-side copy, sync,
//     link, cleanup, purge.
//
// rclone's OneDrive backend calls https://graph.microsoft.com and
// https://login.microsoftonline.com, names it cannot be told to change.
// mitm_test.go is a loopback TLS-intercepting proxy: rclone gets it as
// HTTPS_PROXY and trusts its test CA (--ca-cert, SSL_CERT_FILE); it answers
// CONNECT for those two hosts only, terminates TLS with a leaf certificate
// from the CA and forwards each request to the emulator (or Driveway's
// proxy). Every other host is refused, so rclone never reaches the network.
// Pre-authenticated upload and download URLs are http://127.0.0.1:PORT,
// which Go's proxy rules send directly.
//
// It is its own Go module (like conformance/gosdk): rclone's module is large
// and stays out of the main module's go test ./... .
package rclone
