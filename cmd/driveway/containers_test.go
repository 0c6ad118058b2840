package main

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway/ids"
)

// containers runs containers of one image with podman (or
// DRIVEWAY_TEST_CONTAINER_RUNTIME), on the host network, removed when the
// test ends.
type containers struct {
	t       *testing.T
	image   string
	runtime string
	prefix  string
	env     []string
}

func newContainers(t *testing.T, image string) *containers {
	t.Helper()
	rt := os.Getenv("DRIVEWAY_TEST_CONTAINER_RUNTIME")
	if rt == "" {
		rt = "podman"
	}
	if _, err := exec.LookPath(rt); err != nil {
		t.Fatalf("%s is set but the container runtime %q is not on PATH", imageEnv, rt)
	}
	env := os.Environ()
	if os.Getenv("CONTAINERS_CONF") == "" {
		conf, _ := filepath.Abs("../../deploy/podman/containers.conf")
		env = append(env, "CONTAINERS_CONF="+conf)
	}
	return &containers{t: t, image: image, runtime: rt, prefix: "driveway-test-" + strings.ToLower(ids.Random(8)), env: env}
}

func (c *containers) name(role string) string { return c.prefix + "-" + role }

// start runs the image detached as role. Leading arguments that start
// with "-" are runtime flags ("-e" and "--health-interval" take a value),
// the rest the driveway command.
func (c *containers) start(role string, args ...string) {
	c.t.Helper()
	var flags, cmd []string
	for i := 0; i < len(args); i++ {
		switch {
		case len(cmd) > 0 || !strings.HasPrefix(args[i], "-"):
			cmd = append(cmd, args[i])
		case args[i] == "-e" || args[i] == "--health-interval":
			flags = append(flags, args[i], args[i+1])
			i++
		default:
			flags = append(flags, args[i])
		}
	}
	run := append([]string{"run", "-d", "--network", "host", "--name", c.name(role)}, flags...)
	c.output(append(append(run, c.image), cmd...)...)
	c.t.Cleanup(func() {
		if c.t.Failed() {
			logs, _ := c.command("logs", c.name(role)).CombinedOutput()
			c.t.Logf("%s logs:\n%s", role, logs)
		}
		c.command("rm", "-f", "-t", "5", c.name(role)).Run()
	})
}

func (c *containers) command(args ...string) *exec.Cmd {
	cmd := exec.Command(c.runtime, args...)
	cmd.Env = c.env
	return cmd
}

// output runs the runtime with args and returns its trimmed output.
func (c *containers) output(args ...string) string {
	c.t.Helper()
	out, err := c.command(args...).CombinedOutput()
	if err != nil {
		c.t.Fatalf("%s %s: %v\n%s", c.runtime, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// waitReady polls url until it answers 200, showing the container's logs
// if it never does.
func (c *containers) waitReady(url, role string) {
	c.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			logs, _ := c.command("logs", c.name(role)).CombinedOutput()
			c.t.Fatalf("%s not ready within 90 s:\n%s", url, logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
