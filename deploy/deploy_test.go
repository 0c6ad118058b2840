package deploy_test

import (
	"bufio"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// configVariables returns the DRIVEWAY_* variables the binary reads (string
// literals of cmd/driveway), with the _FILE variant of each secret.
func configVariables(t *testing.T) map[string]bool {
	t.Helper()
	vars := map[string]bool{}
	for s := range packageStrings(t, "cmd/driveway") {
		if regexp.MustCompile(`^DRIVEWAY_[A-Z_]+$`).MatchString(s) {
			vars[s] = true
		}
	}
	b, err := os.ReadFile("../cmd/driveway/config.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`\.secret\("(DRIVEWAY_[A-Z_]+)"\)`).FindAllStringSubmatch(string(b), -1) {
		vars[m[1]+"_FILE"] = true
	}
	return vars
}

type composeService struct {
	Image       string
	Command     []string
	User        string
	ReadOnly    bool     `yaml:"read_only"`
	CapDrop     []string `yaml:"cap_drop"`
	Environment map[string]string
	Secrets     []string
	Ports       []string
	Volumes     []string
	DependsOn   any `yaml:"depends_on"`
}

// TestComposeExample parses deploy/compose.yaml: Postgres, a one-shot
// migrate, two Driveway replicas of one image on that Postgres with their
// secrets in files, and Caddy publishing 443 with a Caddyfile that serves
// the domain and every name under it from both replicas.
func TestComposeExample(t *testing.T) {
	var c struct {
		Services map[string]composeService
		Secrets  map[string]struct{ File string }
	}
	readYAML(t, "compose.yaml", &c)
	vars := configVariables(t)
	replicas := []string{"driveway-a", "driveway-b"}
	for _, name := range append([]string{"migrate"}, replicas...) {
		s, ok := c.Services[name]
		if !ok {
			t.Fatalf("compose.yaml has no service %s", name)
		}
		if s.Image != c.Services["driveway-a"].Image || s.User != "65532:65532" || !s.ReadOnly || !slices.Contains(s.CapDrop, "ALL") {
			t.Errorf("%s: image %q, user %q, read_only %v, cap_drop %v", name, s.Image, s.User, s.ReadOnly, s.CapDrop)
		}
		if !strings.Contains(s.Environment["DRIVEWAY_DATABASE_URL"], "@postgres:5432/") {
			t.Errorf("%s does not use the postgres service: %q", name, s.Environment["DRIVEWAY_DATABASE_URL"])
		}
		for k, v := range s.Environment {
			if !vars[k] {
				t.Errorf("%s sets %s, which driveway does not read", name, k)
			}
			if strings.HasSuffix(k, "_FILE") && !slices.ContainsFunc(s.Secrets, func(sec string) bool { return strings.HasSuffix(v, "/"+sec) }) {
				t.Errorf("%s: %s=%s is not one of its secrets %v", name, k, v, s.Secrets)
			}
		}
	}
	if cmd := c.Services["migrate"].Command; !slices.Equal(cmd, []string{"migrate"}) {
		t.Errorf("migrate runs %v", cmd)
	}
	for _, r := range replicas {
		if cmd := c.Services[r].Command; !slices.Equal(cmd, []string{"serve"}) {
			t.Errorf("%s runs %v", r, cmd)
		}
	}
	if _, ok := c.Services["postgres"]; !ok {
		t.Error("compose.yaml has no postgres service")
	}
	caddy := c.Services["caddy"]
	if !slices.Contains(caddy.Ports, "443:443") || !slices.Contains(caddy.Volumes, "./caddy/Caddyfile:/etc/caddy/Caddyfile:ro") {
		t.Errorf("caddy: ports %v, volumes %v", caddy.Ports, caddy.Volumes)
	}
	checkCaddyfile(t, replicas)
}

func checkCaddyfile(t *testing.T, replicas []string) {
	t.Helper()
	b, err := os.ReadFile("caddy/Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	var site, upstreams string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasSuffix(line, "{") && strings.Contains(line, "{$DRIVEWAY_DOMAIN}"):
			site = line
		case strings.HasPrefix(line, "reverse_proxy "):
			upstreams = line
		}
	}
	if site != "{$DRIVEWAY_DOMAIN}, *.{$DRIVEWAY_DOMAIN} {" {
		t.Errorf("Caddyfile site %q: want the domain and its wildcard", site)
	}
	for _, r := range replicas {
		if !strings.Contains(upstreams, r+":8080") {
			t.Errorf("Caddyfile reverse_proxy %q lacks %s", upstreams, r)
		}
	}
	if !strings.Contains(string(b), "health_uri /readyz") {
		t.Error("Caddyfile does not check /readyz")
	}
}

// TestSystemdUnit parses deploy/systemd/driveway.service: it runs `serve`,
// reads secrets as credentials through the _FILE variables, sets only
// variables driveway reads, and carries the hardening options.
func TestSystemdUnit(t *testing.T) {
	unit := parseUnit(t, "systemd/driveway.service")
	svc := unit["Service"]
	if got := svc["ExecStart"]; !slices.Equal(got, []string{"/usr/local/bin/driveway serve"}) {
		t.Errorf("ExecStart %v", got)
	}
	vars := configVariables(t)
	creds := map[string]bool{}
	for _, c := range svc["LoadCredential"] {
		name, _, _ := strings.Cut(c, ":")
		creds[name] = true
	}
	for _, e := range svc["Environment"] {
		k, v, _ := strings.Cut(e, "=")
		if !vars[k] {
			t.Errorf("Environment=%s: driveway does not read %s", e, k)
		}
		if cred, ok := strings.CutPrefix(v, "%d/"); ok && !creds[cred] {
			t.Errorf("Environment=%s names no LoadCredential", e)
		}
	}
	hardening := map[string]string{"NoNewPrivileges": "yes", "DynamicUser": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
		"PrivateTmp": "yes", "PrivateDevices": "yes", "CapabilityBoundingSet": "", "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
		"MemoryDenyWriteExecute": "yes", "SystemCallArchitectures": "native", "StateDirectory": "driveway", "UMask": "0077"}
	for k, want := range hardening {
		if got := svc[k]; len(got) != 1 || got[0] != want {
			t.Errorf("%s=%v, want %q", k, got, want)
		}
	}
	if !slices.Contains(svc["SystemCallFilter"], "@system-service") {
		t.Errorf("SystemCallFilter %v", svc["SystemCallFilter"])
	}
	if got := unit["Install"]["WantedBy"]; !slices.Equal(got, []string{"multi-user.target"}) {
		t.Errorf("WantedBy %v", got)
	}
	analyzeUnit(t, "systemd/driveway.service")
}

// analyzeUnit has systemd itself parse the unit, where systemd-analyze is
// installed: no line of it may be ignored, and its exposure level must stay
// at 2.0 ("OK") or below.
func analyzeUnit(t *testing.T, path string) {
	t.Helper()
	bin, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Logf("systemd-analyze is not on PATH: the unit was parsed here only")
		return
	}
	out, err := exec.Command(bin, "security", "--offline=true", "--threshold=20", path).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "ignoring") || !strings.Contains(string(out), "Overall exposure level for driveway.service") {
		t.Fatalf("systemd-analyze security:\n%s", out)
	}
}

// parseUnit reads a systemd unit file: section → key → values in order.
func parseUnit(t *testing.T, path string) map[string]map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]map[string][]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
			out[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s: bad line %q", path, line)
			}
			out[section][k] = append(out[section][k], v)
		}
	}
	return out
}

// TestImagesAgree checks that the Dockerfile's final stage and the
// Containerfile `make image` builds set the same user, volume, variables,
// health check and entry point, and that both set only variables driveway
// reads.
func TestImagesAgree(t *testing.T) {
	final := func(path string) []string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		stages := strings.Split(string(b), "\nFROM ")
		var out []string
		for _, line := range strings.Split(stages[len(stages)-1], "\n") {
			for _, kw := range []string{"ENV ", "USER ", "VOLUME ", "HEALTHCHECK ", "ENTRYPOINT ", "CMD ", "EXPOSE "} {
				if strings.HasPrefix(line, kw) {
					out = append(out, line)
				}
			}
		}
		return out
	}
	docker, scratch := final("../Dockerfile"), final("image/Containerfile")
	if !slices.Equal(docker, scratch) || len(docker) != 7 {
		t.Fatalf("final stages differ:\nDockerfile:    %q\nContainerfile: %q", docker, scratch)
	}
	vars := configVariables(t)
	for _, line := range docker {
		if env, ok := strings.CutPrefix(line, "ENV "); ok {
			for _, kv := range strings.Fields(env) {
				if k, _, _ := strings.Cut(kv, "="); !vars[k] {
					t.Errorf("image sets %s, which driveway does not read", k)
				}
			}
		}
		if strings.HasPrefix(line, "USER ") && line != "USER 65532:65532" {
			t.Errorf("image runs as %q", line)
		}
	}
}
