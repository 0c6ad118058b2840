package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/drivewayhq/driveway/audit"
	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/netguard"
)

// Config is everything `driveway serve` and `driveway dev` read from the
// environment and flags. Defaults are in defaultConfig; validate names the
// variable of the first wrong value.
type Config struct {
	// Addr is where the server listens (DRIVEWAY_ADDR, --addr).
	Addr string
	// PublicURL is the origin users and Microsoft reach Driveway at
	// (DRIVEWAY_PUBLIC_URL); default http://<Addr>.
	PublicURL string
	// DataDir holds the SQLite database and, for dev, generated keys
	// (DRIVEWAY_DATA_DIR, --data-dir).
	DataDir string
	// Database is "sqlite:<path>" or a postgres:// URL (DRIVEWAY_DATABASE_URL);
	// default sqlite:<DataDir>/driveway.db.
	Database string
	// SecretKeys is the keyring that seals secrets at rest
	// (DRIVEWAY_SECRET_KEYS or _FILE): "kid:base64key,..." newest first.
	SecretKeys string
	// AdminPassword opens the dashboard (DRIVEWAY_ADMIN_PASSWORD or _FILE).
	AdminPassword string
	// MetricsAddr, when set, serves /metrics on its own listener instead of
	// the main one (DRIVEWAY_METRICS_ADDR).
	MetricsAddr string
	// MetricsToken, when set, is the bearer token /metrics requires
	// (DRIVEWAY_METRICS_TOKEN or _FILE). serve answers /metrics on the main
	// listener only with a token; dev serves it openly.
	MetricsToken string
	// TrustedProxies are the load balancers and reverse proxies whose
	// X-Forwarded-For names the client (DRIVEWAY_TRUSTED_PROXIES: addresses
	// and CIDR networks, comma-separated); none by default.
	TrustedProxies []netip.Prefix
	// BodyTimeout is how long a request may take to send its body, except
	// the proxy's streaming uploads (DRIVEWAY_BODY_TIMEOUT).
	BodyTimeout time.Duration
	// MaxConnsPerClient caps the open connections of one client address
	// (IPv6: /64); trusted proxies are exempt
	// (DRIVEWAY_MAX_CONNECTIONS_PER_CLIENT).
	MaxConnsPerClient int
	// MaxConns caps the open connections of the main listener
	// (DRIVEWAY_MAX_CONNECTIONS).
	MaxConns int
	// PprofAddr, when set, serves Go's profiler (net/http/pprof) on its own
	// listener (DRIVEWAY_PPROF_ADDR); keep it on loopback.
	PprofAddr string
	// ProxyMaxConcurrent bounds the proxy's Graph calls in flight per
	// credential (DRIVEWAY_PROXY_MAX_CONCURRENT, 1-1024; default 16).
	ProxyMaxConcurrent int
	// LogLevel is debug, info, warn or error (DRIVEWAY_LOG_LEVEL).
	LogLevel slog.Level
	// LogFormat is json or text (DRIVEWAY_LOG_FORMAT).
	LogFormat string
	// ShutdownTimeout bounds a graceful stop (DRIVEWAY_SHUTDOWN_TIMEOUT).
	ShutdownTimeout time.Duration
	// MicrosoftLoginURL and MicrosoftGraphURL replace every cloud's
	// endpoints, to point Driveway at an emulator
	// (DRIVEWAY_MICROSOFT_LOGIN_URL, DRIVEWAY_MICROSOFT_GRAPH_URL).
	MicrosoftLoginURL string
	MicrosoftGraphURL string
	// MicrosoftDownloadHosts are extra "host:port" names whose
	// pre-authenticated download redirects the proxy follows, for an
	// emulator (DRIVEWAY_MICROSOFT_DOWNLOAD_HOSTS, comma-separated).
	MicrosoftDownloadHosts []string
	// FileChangePolling makes File Change poll delta instead of keeping
	// Graph subscriptions, even with an https public URL
	// (DRIVEWAY_FILE_CHANGE_POLLING=true).
	FileChangePolling bool
	// JobRescueAfter is how long a job may stay running before another node
	// takes it over (DRIVEWAY_JOB_RESCUE_AFTER).
	JobRescueAfter time.Duration
	// FileChangeSafetyInterval is the period of File Change's safety delta,
	// the bound on how late a change whose notification Graph dropped is
	// seen (DRIVEWAY_FILE_CHANGE_SAFETY_INTERVAL; 0: filechange's default).
	FileChangeSafetyInterval time.Duration
	// AllowLoopback is for tests against an emulator on the same machine
	// (DRIVEWAY_ALLOW_LOOPBACK=true): webhook endpoints on loopback
	// addresses are accepted, and File Change keeps Graph subscriptions
	// with an http public URL on loopback. Never in production: it lets a
	// project's admin point webhooks at services of the server's host.
	AllowLoopback bool
	// AllowPrivate are the private destinations HTTP Request steps, Save
	// File from a URL and webhooks may reach
	// (DRIVEWAY_ALLOW_PRIVATE_DESTINATIONS); every other private address
	// stays refused.
	AllowPrivate netguard.Allowlist
	// AuditRetention is how long audit entries are kept
	// (DRIVEWAY_AUDIT_RETENTION; default 400 days; 0 keeps them forever).
	AuditRetention time.Duration
	// AuditWebhookURL, when set, receives the audit trail as signed batches
	// of JSON lines, for a SIEM (DRIVEWAY_AUDIT_WEBHOOK_URL), signed with
	// AuditWebhookSecret (DRIVEWAY_AUDIT_WEBHOOK_SECRET or _FILE, whsec_).
	AuditWebhookURL    string
	AuditWebhookSecret string
	// Retention is how long history is kept (config_retention.go).
	Retention Retention
}

func defaultConfig() Config {
	return Config{
		Addr:              "127.0.0.1:8080",
		DataDir:           ".driveway",
		LogLevel:          slog.LevelInfo,
		LogFormat:         "json",
		ShutdownTimeout:   10 * time.Second,
		JobRescueAfter:    5 * time.Minute,
		BodyTimeout:       time.Minute,
		MaxConnsPerClient: 256,
		MaxConns:          10000,
		AuditRetention:    audit.DefaultRetention,
	}
}

// configError is a bad configuration value; the command prints it on one
// line and exits with status 2.
type configError struct{ msg string }

func (e *configError) Error() string { return e.msg }

func badConfig(name, format string, args ...any) error {
	return &configError{msg: name + ": " + fmt.Sprintf(format, args...)}
}

// env reads variables; a name with a _FILE variant is read from that file
// when the variable itself is unset.
type env func(string) string

func (e env) secret(name string) (string, error) {
	if v := e(name); v != "" {
		return v, nil
	}
	path := e(name + "_FILE")
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", badConfig(name+"_FILE", "cannot read %s: %v", path, errors.Unwrap(err))
	}
	return strings.TrimSpace(string(b)), nil
}

// loadEnv fills cfg from the environment. Flags, parsed after, win.
func loadEnv(cfg *Config, getenv env) error {
	str := map[string]*string{
		"DRIVEWAY_ADDR": &cfg.Addr, "DRIVEWAY_PUBLIC_URL": &cfg.PublicURL, "DRIVEWAY_DATA_DIR": &cfg.DataDir,
		"DRIVEWAY_DATABASE_URL": &cfg.Database, "DRIVEWAY_METRICS_ADDR": &cfg.MetricsAddr, "DRIVEWAY_PPROF_ADDR": &cfg.PprofAddr,
		"DRIVEWAY_LOG_FORMAT": &cfg.LogFormat, "DRIVEWAY_MICROSOFT_LOGIN_URL": &cfg.MicrosoftLoginURL,
		"DRIVEWAY_MICROSOFT_GRAPH_URL": &cfg.MicrosoftGraphURL,
	}
	for name, p := range str {
		if v := getenv(name); v != "" {
			*p = v
		}
	}
	if v := getenv("DRIVEWAY_MICROSOFT_DOWNLOAD_HOSTS"); v != "" {
		for _, h := range strings.Split(v, ",") {
			h = strings.TrimSpace(h)
			if _, _, err := net.SplitHostPort(h); err != nil {
				return badConfig("DRIVEWAY_MICROSOFT_DOWNLOAD_HOSTS", "%q is not host:port", h)
			}
			cfg.MicrosoftDownloadHosts = append(cfg.MicrosoftDownloadHosts, h)
		}
	}
	var err error
	if cfg.SecretKeys, err = getenv.secret("DRIVEWAY_SECRET_KEYS"); err != nil {
		return err
	}
	if cfg.AdminPassword, err = getenv.secret("DRIVEWAY_ADMIN_PASSWORD"); err != nil {
		return err
	}
	if cfg.MetricsToken, err = getenv.secret("DRIVEWAY_METRICS_TOKEN"); err != nil {
		return err
	}
	if err := loadEdge(cfg, getenv); err != nil {
		return err
	}
	if err := loadAudit(cfg, getenv); err != nil {
		return err
	}
	if err := loadRetention(cfg, getenv); err != nil {
		return err
	}
	if v := getenv("DRIVEWAY_FILE_CHANGE_POLLING"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return badConfig("DRIVEWAY_FILE_CHANGE_POLLING", "%q is not true or false", v)
		}
		cfg.FileChangePolling = b
	}
	if v := getenv("DRIVEWAY_ALLOW_LOOPBACK"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return badConfig("DRIVEWAY_ALLOW_LOOPBACK", "%q is not true or false", v)
		}
		cfg.AllowLoopback = b
	}
	if v := getenv("DRIVEWAY_LOG_LEVEL"); v != "" {
		if err := cfg.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return badConfig("DRIVEWAY_LOG_LEVEL", "%q is not one of debug, info, warn, error", v)
		}
	}
	if v := getenv("DRIVEWAY_PROXY_MAX_CONCURRENT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1024 {
			return badConfig("DRIVEWAY_PROXY_MAX_CONCURRENT", "%q is not a number from 1 to 1024", v)
		}
		cfg.ProxyMaxConcurrent = n
	}
	durations := map[string]*time.Duration{"DRIVEWAY_SHUTDOWN_TIMEOUT": &cfg.ShutdownTimeout,
		"DRIVEWAY_JOB_RESCUE_AFTER": &cfg.JobRescueAfter, "DRIVEWAY_BODY_TIMEOUT": &cfg.BodyTimeout,
		"DRIVEWAY_FILE_CHANGE_SAFETY_INTERVAL": &cfg.FileChangeSafetyInterval, "DRIVEWAY_AUDIT_RETENTION": &cfg.AuditRetention}
	for name, p := range durations {
		if v := getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				return badConfig(name, "%q is not a duration like 30s or 5m", v)
			}
			*p = d
		}
	}
	return nil
}

// addFlags binds the flags that serve and dev share.
func addFlags(fs *flag.FlagSet, cfg *Config) {
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (DRIVEWAY_ADDR)")
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "data directory (DRIVEWAY_DATA_DIR)")
	fs.StringVar(&cfg.PublicURL, "public-url", cfg.PublicURL, "public URL (DRIVEWAY_PUBLIC_URL); default http://<addr>")
}

// validate checks every value and fills derived defaults.
func (cfg *Config) validate() error {
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return badConfig("DRIVEWAY_ADDR", "%q is not host:port", cfg.Addr)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return badConfig("DRIVEWAY_ADDR", "%q has no valid port", cfg.Addr)
	}
	if cfg.PublicURL == "" {
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		cfg.PublicURL = "http://" + net.JoinHostPort(host, port)
	}
	u, err := url.Parse(cfg.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return badConfig("DRIVEWAY_PUBLIC_URL", "%q must be an origin like https://driveway.example.com (no path)", cfg.PublicURL)
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.DataDir == "" {
		return badConfig("DRIVEWAY_DATA_DIR", "must not be empty")
	}
	if cfg.Database == "" {
		cfg.Database = "sqlite:" + filepath.Join(cfg.DataDir, "driveway.db")
	}
	if _, _, err := databaseKind(cfg.Database); err != nil {
		return err
	}
	if cfg.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(cfg.MetricsAddr); err != nil {
			return badConfig("DRIVEWAY_METRICS_ADDR", "%q is not host:port", cfg.MetricsAddr)
		}
	}
	if cfg.PprofAddr != "" {
		if _, _, err := net.SplitHostPort(cfg.PprofAddr); err != nil {
			return badConfig("DRIVEWAY_PPROF_ADDR", "%q is not host:port", cfg.PprofAddr)
		}
	}
	if cfg.LogFormat != "json" && cfg.LogFormat != "text" {
		return badConfig("DRIVEWAY_LOG_FORMAT", "%q is not json or text", cfg.LogFormat)
	}
	if cfg.ShutdownTimeout <= 0 || cfg.ShutdownTimeout > 10*time.Minute {
		return badConfig("DRIVEWAY_SHUTDOWN_TIMEOUT", "must be between 0 and 10m")
	}
	if cfg.JobRescueAfter < 10*time.Second || cfg.JobRescueAfter > 24*time.Hour {
		return badConfig("DRIVEWAY_JOB_RESCUE_AFTER", "must be between 10s and 24h")
	}
	if err := cfg.validateEdge(); err != nil {
		return err
	}
	if err := cfg.validateAudit(); err != nil {
		return err
	}
	if s := cfg.FileChangeSafetyInterval; s != 0 && (s < 10*time.Second || s > 24*time.Hour) {
		return badConfig("DRIVEWAY_FILE_CHANGE_SAFETY_INTERVAL", "must be between 10s and 24h")
	}
	if (cfg.MicrosoftLoginURL == "") != (cfg.MicrosoftGraphURL == "") {
		return badConfig("DRIVEWAY_MICROSOFT_GRAPH_URL", "set both DRIVEWAY_MICROSOFT_LOGIN_URL and DRIVEWAY_MICROSOFT_GRAPH_URL, or neither")
	}
	if cfg.MicrosoftLoginURL != "" {
		e := microsoft.Endpoints{Login: cfg.MicrosoftLoginURL, Graph: cfg.MicrosoftGraphURL}
		if err := e.Validate(); err != nil {
			return badConfig("DRIVEWAY_MICROSOFT_LOGIN_URL", "%v", err)
		}
	}
	return nil
}

// databaseKind splits a database setting into its engine and address.
func databaseKind(db string) (kind, addr string, err error) {
	switch {
	case strings.HasPrefix(db, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(db, "sqlite:"), "//")
		if path == "" {
			return "", "", badConfig("DRIVEWAY_DATABASE_URL", "sqlite: needs a file path, like sqlite:./data/driveway.db")
		}
		return "sqlite", path, nil
	case strings.HasPrefix(db, "postgres://"), strings.HasPrefix(db, "postgresql://"):
		if _, err := url.Parse(db); err != nil {
			return "", "", badConfig("DRIVEWAY_DATABASE_URL", "the postgres URL does not parse")
		}
		return "postgres", db, nil
	}
	return "", "", badConfig("DRIVEWAY_DATABASE_URL", "must start with sqlite: or postgres://")
}
