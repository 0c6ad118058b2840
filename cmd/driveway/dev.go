package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/admin"
	"github.com/drivewayhq/driveway/demo"
	"github.com/drivewayhq/driveway/ids"
	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/microsoft/emulator"
	"github.com/drivewayhq/driveway/secret"
	"github.com/drivewayhq/driveway/usertoken"
)

// emulatorPrefix is where `driveway dev` mounts the Microsoft emulator.
const emulatorPrefix = "/_ms"

// dev runs a development server: SQLite in the data directory, the
// emulator mounted on the same listener, and a ready project whose OneDrive
// settings point at the emulator. The first start creates everything and
// writes dev.json; later starts reuse it.
func (m *Main) dev(ctx context.Context, args []string) error {
	var autoConsent, useTLS bool
	cfg, err := m.config("dev", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&autoConsent, "emulator-auto-consent", false,
			"sign in to the emulator without its account picker and consent page (for scripted tests)")
		fs.BoolVar(&useTLS, "tls", false,
			"serve https with a certificate for localhost and *.localhost kept in the data directory (for the Paragon SDK's configureGlobal)")
	})
	if err != nil {
		return err
	}
	explicitURL := m.Getenv("DRIVEWAY_PUBLIC_URL") != "" || flagGiven(args, "public-url")
	if cfg.LogFormat == "json" && m.Getenv("DRIVEWAY_LOG_FORMAT") == "" {
		cfg.LogFormat = "text"
	}
	logger := newLogger(cfg, m.Stderr)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	if cfg.SecretKeys == "" {
		if cfg.SecretKeys, err = devSecretKeys(cfg.DataDir); err != nil {
			return err
		}
	}
	ring, err := keyringFrom(cfg.SecretKeys)
	if err != nil {
		return err
	}
	stopTracing, err := m.startTracing(ctx)
	if err != nil {
		return err
	}
	defer stopTracing()
	ln, err := listen(cfg.Addr)
	if err != nil {
		return err
	}
	scheme, certFile := "http", ""
	if useTLS {
		if ln, certFile, err = devTLSListener(ln, cfg.DataDir, ring); err != nil {
			return err
		}
		scheme = "https"
	}
	if !explicitURL {
		cfg.PublicURL = scheme + "://" + loopbackAddr(ln.Addr())
	}
	emu, err := devEmulator(cfg, ln.Addr(), scheme, autoConsent)
	if err != nil {
		ln.Close()
		return err
	}
	defer emu.Close()
	db, err := openDatabase(ctx, cfg, ring, logger)
	if err == nil {
		err = db.Migrate(ctx)
	}
	if err != nil {
		ln.Close()
		return err
	}
	svc := &admin.Service{Store: db, PublicURL: cfg.PublicURL}
	info, err := devBootstrap(ctx, cfg, svc, emu)
	if err != nil {
		db.Close()
		ln.Close()
		return err
	}
	if cfg.AdminPassword == "" {
		cfg.AdminPassword = info.AdminPassword
	}
	s, err := newServer(cfg, logger, db, ring, &microsoft.Endpoints{Login: emu.LoginURL(), Graph: emu.LoginURL()}, true)
	if err != nil {
		db.Close()
		ln.Close()
		return err
	}
	mint, err := devTokenMinter(info)
	if err != nil {
		db.Close()
		ln.Close()
		return err
	}
	s.mounts = map[string]http.Handler{
		emulatorPrefix + "/": emu,
		"/demo/":             demo.Handler(demo.Options{MintToken: mint, ProjectID: info.ProjectID, Logger: logger}),
	}
	s.tls = useTLS
	s.connect.PickerBaseURL = emu.LoginURL() // the emulator's File Picker (docs/file-picker.md)
	if u, err := url.Parse(emu.PreAuthURL()); err == nil {
		s.proxy.DownloadHosts = []string{u.Host} // follow the emulator's download redirects
	}
	return s.run(ctx, ln, func(base string) {
		m.printDevBanner(cfg, info, emu, certFile)
		if m.Ready != nil {
			m.Ready(base)
		}
	})
}

func flagGiven(args []string, name string) bool {
	for _, a := range args {
		if a == "-"+name || a == "--"+name || strings.HasPrefix(a, "-"+name+"=") || strings.HasPrefix(a, "--"+name+"=") {
			return true
		}
	}
	return false
}

// loopbackAddr turns a wildcard listen address into one a browser can open.
func loopbackAddr(a net.Addr) string {
	host, port, _ := net.SplitHostPort(a.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// devSecretKeys reads <data-dir>/secret.keys, creating it (mode 0600) on
// the first start.
func devSecretKeys(dataDir string) (string, error) {
	path := filepath.Join(dataDir, "secret.keys")
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	key, err := secret.GenerateKey()
	if err != nil {
		return "", err
	}
	if err := writeFileAtomic(path, []byte(key+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return key, nil
}

// devEmulator builds the emulator for the listener at addr. Its API host is
// "localhost" and its pre-authenticated host "127.0.0.1" (different host
// names, as Microsoft's are), both under emulatorPrefix.
func devEmulator(cfg *Config, addr net.Addr, scheme string, autoConsent bool) (*emulator.Emulator, error) {
	_, port, _ := net.SplitHostPort(addr.String())
	return emulator.NewE(emulator.Options{
		BaseURL:        scheme + "://localhost:" + port + emulatorPrefix,
		PreAuthBaseURL: scheme + "://127.0.0.1:" + port + emulatorPrefix,
		ControlAPI:     true,
		AutoConsent:    autoConsent,
		StateFile:      filepath.Join(cfg.DataDir, "emulator.json"),
	})
}

// devBootstrap makes sure the dev project, its keys and the emulated Azure
// app exist, creating what is missing, and returns dev.json's content.
func devBootstrap(ctx context.Context, cfg *Config, svc *admin.Service, emu *emulator.Emulator) (*devInfo, error) {
	info, err := readDevInfo(cfg.DataDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if info != nil {
		if _, err := svc.Store.GetProject(ctx, info.ProjectID); err != nil {
			info = nil // the database was reset: start over
		}
	}
	if info == nil {
		if info, err = devCreateProject(ctx, cfg, svc); err != nil {
			return nil, err
		}
	}
	info.PublicURL = cfg.PublicURL
	if err := devEmulatorApp(ctx, cfg, svc, emu, info); err != nil {
		return nil, err
	}
	if err := writeDevInfo(cfg.DataDir, info); err != nil {
		return nil, fmt.Errorf("write dev.json: %w", err)
	}
	return info, nil
}

func devCreateProject(ctx context.Context, cfg *Config, svc *admin.Service) (*devInfo, error) {
	p, err := svc.CreateProject(ctx, admin.ProjectInput{Name: "Dev project", AllowedOrigins: []string{cfg.PublicURL}})
	if err != nil {
		return nil, err
	}
	_, apiKey, err := svc.CreateAPIKey(ctx, "", "dev instance key")
	if err != nil {
		return nil, err
	}
	k, priv, err := svc.GenerateSigningKey(ctx, p.ID, driveway.AlgES256, "")
	if err != nil {
		return nil, err
	}
	keyFile, err := filepath.Abs(filepath.Join(cfg.DataDir, "signing-key.pem"))
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(keyFile, []byte(priv), 0o600); err != nil {
		return nil, fmt.Errorf("write signing key: %w", err)
	}
	return &devInfo{
		ProjectID: p.ID, APIKey: apiKey, AdminPassword: ids.Random(12),
		SigningKeyFile: keyFile, SigningKeyID: k.ID,
		EmulatorClientID:     "00000000-0000-4000-8000-" + strings.Repeat("0", 9) + "dev",
		EmulatorClientSecret: "dev~" + ids.Random(24),
	}, nil
}

// devEmulatorApp registers the dev project's Azure app in the emulator
// (when its state file does not have it yet), seeds a demo user with a few
// files, and saves the OneDrive settings pointing at that app.
func devEmulatorApp(ctx context.Context, cfg *Config, svc *admin.Service, emu *emulator.Emulator, info *devInfo) error {
	redirect := cfg.PublicURL + "/oauth"
	if !hasApp(emu, info.EmulatorClientID) {
		_, err := emu.CreateApp(emulator.AppSpec{
			ClientID: info.EmulatorClientID, Name: "Driveway dev", RedirectURIs: []string{redirect},
			Secrets: []emulator.Secret{{Value: info.EmulatorClientSecret, Expires: time.Now().AddDate(2, 0, 0)}},
		})
		if err != nil {
			return fmt.Errorf("register the dev app in the emulator: %w", err)
		}
	}
	if info.DemoUser == "" || !hasUser(emu, info.DemoUser) {
		u, err := seedDemoUser(emu)
		if err != nil {
			return err
		}
		info.DemoUser = u
	}
	if err := seedDemoSites(emu, info.DemoUser); err != nil {
		return err
	}
	cur, err := svc.GetIntegration(ctx, info.ProjectID)
	if err != nil {
		return err
	}
	if cur.Configured && cur.ClientID == info.EmulatorClientID {
		return nil
	}
	allowAccountAuth := true // the demo's "Pick files" (docs/file-picker.md)
	_, err = svc.PutIntegration(ctx, info.ProjectID, admin.IntegrationInput{
		AllowAccountAuth: &allowAccountAuth, ClientID: info.EmulatorClientID, Scopes: []string{"User.Read", "Files.ReadWrite.All"}, Tenant: driveway.TenantCommon,
		ClientSecrets: []admin.ClientSecretInput{{Value: info.EmulatorClientSecret, ExpiresAt: time.Now().AddDate(2, 0, 0)}},
	})
	return err
}

func hasApp(emu *emulator.Emulator, clientID string) bool {
	for _, a := range emu.Apps() {
		if a.ClientID == clientID {
			return true
		}
	}
	return false
}

func hasUser(emu *emulator.Emulator, upn string) bool {
	_, ok := emu.User(upn)
	return ok
}

// seedDemoUser creates a work account in an emulated tenant, whose drive
// gets a few folders and files to look at.
func seedDemoUser(emu *emulator.Emulator) (string, error) {
	t, err := emu.CreateTenant(emulator.TenantSpec{Name: "Contoso", Domain: "contoso.onmicrosoft.com"})
	if err != nil {
		for _, existing := range emu.Tenants() {
			if existing.Domain == "contoso.onmicrosoft.com" {
				t, err = existing, nil
			}
		}
		if err != nil {
			return "", fmt.Errorf("seed the emulator: %w", err)
		}
	}
	u, err := emu.CreateUser(emulator.UserSpec{TenantID: t.ID, UPN: "alex@contoso.onmicrosoft.com", DisplayName: "Alex Wilber"})
	if err != nil {
		return "", fmt.Errorf("seed the emulator: %w", err)
	}
	if err := seedDemoFiles(emu, u); err != nil {
		return "", fmt.Errorf("seed the emulator: %w", err)
	}
	return u.UPN, nil
}

func (m *Main) printDevBanner(cfg *Config, info *devInfo, emu *emulator.Emulator, certFile string) {
	fmt.Fprintf(m.Stdout, `
Driveway dev server is running.

  Demo app:        %[1]s/demo/   (a customer app built on the JS SDK)
  Dashboard:       %[1]s/dashboard/   (admin password: %[2]s)
  Project id:      %[3]s
  API key:         %[4]s
  Signing key:     %[5]s (kid %[6]s)
  User token:      go run ./cmd/driveway token --sub demo-user --data-dir %[7]s
  Emulated OneDrive sign-in: %[8]s (any password)
  Emulator:        %[9]s/_emulator/ (control API), Graph at %[10]s

These values are saved in %[11]s. Stop with Ctrl-C.
`, cfg.PublicURL, info.AdminPassword, info.ProjectID, info.APIKey, info.SigningKeyFile, info.SigningKeyID,
		cfg.DataDir, info.DemoUser, emu.LoginURL(), emu.GraphURL(), filepath.Join(cfg.DataDir, devInfoFile))
	if certFile != "" {
		host := sdkHost(cfg.PublicURL)
		fmt.Fprintf(m.Stdout, `  TLS certificate: %[1]s
                   (trust it: NODE_EXTRA_CA_CERTS=%[1]s for Node; for Chromium, import it
                   under Settings > Privacy and security > Manage certificates)
  Paragon SDK:     paragon.configureGlobal({host: "%[2]s"}) calls https://{service}.%[2]s

`, certFile, host)
	}
}

// sdkHost is the host the published Paragon SDK's configureGlobal takes for
// publicURL: a loopback address becomes localhost (with its port), whose
// {service}.localhost names browsers resolve to loopback without DNS.
func sdkHost(publicURL string) string {
	u, err := url.Parse(publicURL)
	if err != nil {
		return publicURL
	}
	if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsLoopback() {
		return net.JoinHostPort("localhost", u.Port())
	}
	return u.Host
}

// devTokenMinter signs one-hour user tokens for the demo page with the dev
// project's key, as a customer's back end would.
func devTokenMinter(info *devInfo) (func(sub string) (string, error), error) {
	pemBytes, err := os.ReadFile(info.SigningKeyFile)
	if err != nil {
		return nil, fmt.Errorf("read dev signing key: %w", err)
	}
	key, err := usertoken.ParsePrivateKey(pemBytes)
	if err != nil {
		return nil, err
	}
	return func(sub string) (string, error) {
		now := time.Now()
		return usertoken.Sign(key, info.SigningKeyID, usertoken.Claims{Subject: sub, IssuedAt: now, ExpiresAt: now.Add(time.Hour)})
	}, nil
}
