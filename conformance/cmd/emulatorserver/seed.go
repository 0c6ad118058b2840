package main

import (
	"fmt"

	"github.com/drivewayhq/driveway/microsoft/emulator"
)

// scopes are the delegated scopes of the seeded token.
var scopes = []string{"Files.ReadWrite.All", "User.Read", "offline_access"}

// seed creates an app and a user (personal, or work in a new tenant) and
// issues the user an access token through the emulator's Go control methods.
func seed(emu *emulator.Emulator, business bool) (ready, error) {
	spec := emulator.UserSpec{UPN: "conformance@outlook.com", DisplayName: "Conformance"}
	appTenant := ""
	if business {
		t, err := emu.CreateTenant(emulator.TenantSpec{Domain: "conformance.onmicrosoft.com", Name: "Conformance"})
		if err != nil {
			return ready{}, fmt.Errorf("seed tenant: %w", err)
		}
		spec = emulator.UserSpec{TenantID: t.ID, UPN: "conformance@conformance.onmicrosoft.com", DisplayName: "Conformance"}
		appTenant = t.ID
	}
	app, err := emu.CreateApp(emulator.AppSpec{Name: "Driveway conformance", TenantID: appTenant,
		RedirectURIs: []string{"http://localhost/callback"}})
	if err != nil {
		return ready{}, fmt.Errorf("seed app: %w", err)
	}
	user, err := emu.CreateUser(spec)
	if err != nil {
		return ready{}, fmt.Errorf("seed user: %w", err)
	}
	token, err := emu.IssueAccessToken(user.ID, app.ClientID, scopes...)
	if err != nil {
		return ready{}, fmt.Errorf("seed token: %w", err)
	}
	return ready{Token: token, UserID: user.ID, DriveID: user.DriveID, ClientID: app.ClientID}, nil
}
