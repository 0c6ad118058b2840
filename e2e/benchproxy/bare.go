package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/drivewayhq/driveway/proxy"
)

// Environment of the bare proxy process (this program, re-executed).
const (
	envBare   = "BENCHPROXY_BARE_ADDR"
	envTarget = "BENCHPROXY_TARGET"
	envToken  = "BENCHPROXY_TOKEN"
)

// serveBare is the bare proxy: a plain httputil.ReverseProxy that only
// adds the Graph token, with Driveway's upstream transport. It runs in
// its own process, as Driveway and nginx do.
func serveBare() error {
	target, err := url.Parse(os.Getenv(envTarget))
	if err != nil {
		return err
	}
	auth := "Bearer " + os.Getenv(envToken)
	rp := &httputil.ReverseProxy{Transport: proxy.NewTransport(), Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target)
		pr.Out.Header.Set("Authorization", auth)
	}}
	ln, err := net.Listen("tcp", os.Getenv(envBare))
	if err != nil {
		return err
	}
	return http.Serve(ln, rp)
}

// startBare re-executes this program as the bare proxy on a free port.
func startBare(target, token string) (string, *exec.Cmd, error) {
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), envBare+"=127.0.0.1:"+port, envTarget+"="+target, envToken+"="+token)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	return "http://127.0.0.1:" + port, cmd, nil
}

const nginxConf = `worker_processes auto;
error_log %[1]s/error.log warn;
pid %[1]s/nginx.pid;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path %[1]s/body;
	proxy_temp_path %[1]s/proxy;
	fastcgi_temp_path %[1]s/fastcgi;
	uwsgi_temp_path %[1]s/uwsgi;
	scgi_temp_path %[1]s/scgi;
	upstream emulator { server %[2]s; keepalive 256; }
	server {
		listen 127.0.0.1:%[3]s;
		location / {
			proxy_pass http://emulator;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header Host %[2]s;
			proxy_set_header Authorization "Bearer %[4]s";
		}
	}
}
`

// startNginx runs nginx (when installed) as the same kind of proxy, or
// returns "" when there is no nginx.
func startNginx(dir, emulatorHost, token string) (string, *exec.Cmd, error) {
	bin, err := exec.LookPath("nginx")
	if err != nil {
		for _, p := range []string{"/usr/sbin/nginx", "/usr/local/sbin/nginx"} {
			if _, serr := os.Stat(p); serr == nil {
				bin, err = p, nil
			}
		}
	}
	if err != nil {
		return "", nil, nil
	}
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	dir = filepath.Join(dir, "nginx")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, err
	}
	conf := filepath.Join(dir, "nginx.conf")
	text := fmt.Sprintf(nginxConf, dir, emulatorHost, port, token)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin, "-p", dir, "-c", conf, "-g", "daemon off;")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	return "http://127.0.0.1:" + port, cmd, nil
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port, nil
}

func hostOf(u string) string {
	return strings.TrimPrefix(strings.TrimPrefix(u, "http://"), "https://")
}
