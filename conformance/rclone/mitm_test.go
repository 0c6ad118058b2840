package rclone

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// route is where the interceptor sends one host's requests.
type route struct {
	target *url.URL            // scheme://host[:port][/prefix]
	header func(h http.Header) // optional: rewrites request headers (token injection)
}

// interceptor is a loopback HTTPS proxy that terminates TLS for the hosts in
// routes with certificates from its own CA and refuses every other host.
type interceptor struct {
	Addr   string // 127.0.0.1:PORT, for HTTPS_PROXY
	CAFile string // PEM of the CA, for --ca-cert and SSL_CERT_FILE

	routes  map[string]route // "graph.microsoft.com" → route; set before the first client runs
	ca      *x509.Certificate
	caKey   *ecdsa.PrivateKey
	srv     *http.Server
	mu      sync.Mutex
	refused []string // hosts or requests refused, for the test to assert on
	served  map[string]int
}

// startInterceptor listens on 127.0.0.1:0 and serves until the test ends.
func startInterceptor(t *testing.T, routes map[string]route) *interceptor {
	t.Helper()
	ic := &interceptor{routes: routes, served: map[string]int{}}
	ic.newCA(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ic.Addr = ln.Addr().String()
	ic.srv = &http.Server{Handler: http.HandlerFunc(ic.serveProxy), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = ic.srv.Serve(ln) }()
	t.Cleanup(func() { _ = ic.srv.Close() })
	return ic
}

// newCA makes the throw-away CA and writes it to a file.
func (ic *interceptor) newCA(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Driveway conformance test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ic.ca, _ = x509.ParseCertificate(der)
	ic.caKey = key
	ic.CAFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ic.CAFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// leaf issues a certificate for host, signed by the CA.
func (ic *interceptor) leaf(host string) (*tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ic.ca, &key.PublicKey, ic.caKey)
	if err != nil {
		return nil, err
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// serveProxy answers CONNECT for the routed hosts on port 443 and refuses
// everything else: other hosts, other ports, plain-http proxy requests.
func (ic *interceptor) serveProxy(w http.ResponseWriter, r *http.Request) {
	host, port, err := net.SplitHostPort(r.Host)
	rt, ok := ic.routes[host]
	if r.Method != http.MethodConnect || err != nil || port != "443" || !ok {
		ic.refuse(r.Method + " " + r.Host)
		http.Error(w, "this test proxy reaches only the emulated Microsoft hosts", http.StatusForbidden)
		return
	}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	if _, err := conn.Write([]byte("HTTP/1.1 200 Connection Established\r\n\r\n")); err != nil {
		conn.Close()
		return
	}
	cert, err := ic.leaf(host)
	if err != nil {
		conn.Close()
		return
	}
	tconn := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"}})
	inner := &http.Server{Handler: ic.forward(host, rt), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = inner.Serve(&oneConn{conn: tconn, done: make(chan struct{})}) }()
}

// forward sends the decrypted requests for host to its route.
func (ic *interceptor) forward(host string, rt route) http.Handler {
	rp := &httputil.ReverseProxy{FlushInterval: -1, Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(rt.target)
		pr.Out.Host = host
		if rt.header != nil {
			rt.header(pr.Out.Header)
		}
	}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ic.mu.Lock()
		ic.served[host]++
		ic.mu.Unlock()
		rp.ServeHTTP(w, r)
	})
}

func (ic *interceptor) refuse(what string) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	ic.refused = append(ic.refused, what)
}

// stats returns the refused requests and the requests served per host.
func (ic *interceptor) stats() (refused []string, served map[string]int) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	served = map[string]int{}
	for k, v := range ic.served {
		served[k] = v
	}
	return append([]string(nil), ic.refused...), served
}

// oneConn is a net.Listener that yields one connection, then blocks until
// that connection is closed.
type oneConn struct {
	conn net.Conn
	once sync.Once
	done chan struct{}
}

func (l *oneConn) Accept() (net.Conn, error) {
	var c net.Conn
	l.once.Do(func() { c = &closeNotify{Conn: l.conn, done: l.done} })
	if c != nil {
		return c, nil
	}
	<-l.done
	return nil, errors.New("connection closed")
}

func (l *oneConn) Close() error   { return nil }
func (l *oneConn) Addr() net.Addr { return l.conn.LocalAddr() }

// closeNotify closes done when the connection closes.
type closeNotify struct {
	net.Conn
	done chan struct{}
	once sync.Once
}

func (c *closeNotify) Close() error {
	c.once.Do(func() { close(c.done) })
	return c.Conn.Close()
}

// confine sets up tr for in-process clients (Driveway's proxy): https goes
// through the interceptor and trusts its CA, plain http may reach loopback
// addresses only, so nothing leaves the machine.
func (ic *interceptor) confine(t *testing.T, tr *http.Transport) *http.Transport {
	t.Helper()
	pemBytes, err := os.ReadFile(ic.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemBytes)
	proxyURL, _ := url.Parse("http://" + ic.Addr)
	dialer := &net.Dialer{Timeout: 10 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		host, _, _ := net.SplitHostPort(address)
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			return errors.New("refusing to dial a non-loopback address: " + address)
		}
		return nil
	}}
	tr.Proxy = func(r *http.Request) (*url.URL, error) {
		if r.URL.Scheme == "https" {
			return proxyURL, nil
		}
		return nil, nil
	}
	tr.DialContext = dialer.DialContext
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return tr
}
