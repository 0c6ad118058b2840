// Package gosdk holds the conformance tests of the Driveway emulator
// (microsoft/emulator) against Microsoft's own Go SDK,
// github.com/microsoftgraph/msgraph-sdk-go. It is a separate module so the
// SDK's long compile never slows `go test ./...` in the main module.
//
// Each test starts its own emulator on loopback (API on localhost, the
// pre-authenticated download, upload and monitor URLs on 127.0.0.1), and
// builds a GraphServiceClient the way an application would: an azcore
// TokenCredential behind the Azure identity authentication provider with the
// emulator's host name as the only valid host, the SDK's default middleware,
// and adapter.SetBaseUrl pointing at the emulator's /v1.0.
//
// Run them with `cd conformance/gosdk && go test ./...` or conformance/run.sh.
package gosdk
