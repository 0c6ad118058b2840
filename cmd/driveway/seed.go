package main

import (
	"fmt"
	"strings"

	"github.com/drivewayhq/driveway/microsoft/emulator"
)

// seedDemoFiles gives the demo user's drive a few folders and files to
// look at, as the user would have made them in the OneDrive app.
func seedDemoFiles(emu *emulator.Emulator, u emulator.User) error {
	for _, dir := range []string{"/Documents", "/Documents/Contracts", "/Pictures"} {
		if _, err := emu.MakeFolder(u.ID, dir); err != nil {
			return fmt.Errorf("make %s: %w", dir, err)
		}
	}
	files := map[string]string{
		"/Welcome.txt":                      "Hello from the emulated OneDrive of " + u.DisplayName + ".\n",
		"/Documents/Quarterly report.md":    "# Q3\n\nRevenue up, costs down.\n",
		"/Documents/Contracts/Acme NDA.txt": "This Non-Disclosure Agreement is made between Acme and Contoso.\n",
		"/Documents/budget.csv":             "item,amount\nlaptops,12000\nsoftware,3400\n",
		"/Pictures/readme.txt":              strings.Repeat("A folder for pictures.\n", 3),
	}
	for path, content := range files {
		if _, err := emu.WriteFile(u.ID, path, []byte(content)); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return nil
}

// seedDemoSites gives the demo user's tenant a few SharePoint sites
// (emulator.DemoSites, and a private Finance site of the demo user) and a
// colleague, Megan, who shares a file with the demo user, so that sites,
// libraries and sharedWithMe have something to show. Idempotent.
func seedDemoSites(emu *emulator.Emulator, upn string) error {
	u, ok := emu.User(upn)
	if !ok {
		return fmt.Errorf("seed sites: no demo user %s", upn)
	}
	if err := emu.SeedSites(u.TenantID, u.UPN); err != nil {
		return err
	}
	_, domain, _ := strings.Cut(u.UPN, "@")
	colleague := "megan@" + domain
	if hasUser(emu, colleague) {
		return nil
	}
	m, err := emu.CreateUser(emulator.UserSpec{TenantID: u.TenantID, UPN: colleague, DisplayName: "Megan Bowen"})
	if err != nil {
		return fmt.Errorf("seed sites: %w", err)
	}
	if _, err := emu.WriteFile(m.ID, "/Shared/Roadmap.md", []byte("# Roadmap\n\nShared with the team.\n")); err != nil {
		return fmt.Errorf("seed sites: %w", err)
	}
	if _, err := emu.Share(m.ID, "/Shared/Roadmap.md", u.UPN, "read"); err != nil {
		return fmt.Errorf("seed sites: %w", err)
	}
	return nil
}
