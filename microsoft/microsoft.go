// Package microsoft holds what Driveway knows about Microsoft: the national
// clouds and their endpoints, the delegated Microsoft Graph scopes, and (as it
// grows) the identity platform and Graph clients. Every URL here can be
// replaced through Endpoints, so tests and `driveway dev` point it at the
// emulator in package microsoft/emulator.
package microsoft
