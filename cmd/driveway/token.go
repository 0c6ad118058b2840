package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/drivewayhq/driveway/usertoken"
)

// devInfo is <data-dir>/dev.json: what `driveway dev` created on its first
// start and reuses on every later one.
type devInfo struct {
	PublicURL      string `json:"publicUrl"`
	ProjectID      string `json:"projectId"`
	APIKey         string `json:"apiKey"`
	AdminPassword  string `json:"adminPassword"`
	SigningKeyFile string `json:"signingKeyFile"`
	SigningKeyID   string `json:"signingKeyId"`
	// EmulatorClientID and EmulatorClientSecret are the emulated Azure app
	// registration the dev project's OneDrive settings use.
	EmulatorClientID     string `json:"emulatorClientId"`
	EmulatorClientSecret string `json:"emulatorClientSecret"`
	// DemoUser is the emulated Microsoft account to sign in with.
	DemoUser string `json:"demoUser"`
}

const devInfoFile = "dev.json"

func readDevInfo(dataDir string) (*devInfo, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, devInfoFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", devInfoFile, err)
	}
	var d devInfo
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("read %s: %w", devInfoFile, err)
	}
	return &d, nil
}

func writeDevInfo(dataDir string, d *devInfo) error {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dataDir, devInfoFile), append(b, '\n'), 0o600)
}

// writeFileAtomic writes through a temporary file and a rename, so a crash
// never leaves half a file.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// token prints a user token for the dev project, signed with the dev key.
func (m *Main) token(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("driveway token", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	sub := fs.String("sub", "", "the end user's id (required)")
	ttl := fs.Duration("ttl", time.Hour, "how long the token is valid")
	dataDir := fs.String("data-dir", envOr(m.Getenv, "DRIVEWAY_DATA_DIR", ".driveway"), "data directory of `driveway dev`")
	aud := fs.String("aud", "", "audience claim, if the key requires one")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *sub == "" {
		return badConfig("--sub", "required: the end user's id")
	}
	if *ttl <= 0 || *ttl > 30*24*time.Hour {
		return badConfig("--ttl", "must be between 1s and 720h")
	}
	d, err := readDevInfo(*dataDir)
	if err != nil {
		return fmt.Errorf("no dev project in %s: run `driveway dev` first (%v)", *dataDir, err)
	}
	pemBytes, err := os.ReadFile(d.SigningKeyFile)
	if err != nil {
		return fmt.Errorf("read dev signing key: %w", err)
	}
	key, err := usertoken.ParsePrivateKey(pemBytes)
	if err != nil {
		return err
	}
	now := time.Now()
	tok, err := usertoken.Sign(key, d.SigningKeyID, usertoken.Claims{Subject: *sub, Audience: *aud, IssuedAt: now, ExpiresAt: now.Add(*ttl)})
	if err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, tok)
	return nil
}

func envOr(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}
