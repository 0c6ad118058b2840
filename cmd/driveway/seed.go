package main

import "github.com/drivewayhq/driveway/microsoft/emulator"

// seedDemoFiles gives the demo user's drive something to look at.
func seedDemoFiles(emu *emulator.Emulator, u emulator.User) error {
	return nil
}
