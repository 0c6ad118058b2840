package httpapi

import (
	"net"
	"net/netip"
	"sync"

	"github.com/drivewayhq/driveway/internal/clientip"
)

// LimitConns wraps ln so that one client (clientip.Key of the peer: an IPv4
// address, an IPv6 /64) holds at most perClient open connections; a
// further one is closed as soon as it is accepted, before any byte is
// read. With the header and body deadlines this bounds what slow clients
// can hold. Peers for which exempt is true (trusted proxies, which carry
// many clients) are not limited; exempt may be nil.
func LimitConns(ln net.Listener, perClient int, exempt func(netip.Addr) bool) net.Listener {
	return &connLimit{Listener: ln, per: perClient, exempt: exempt, open: map[string]int{}}
}

type connLimit struct {
	net.Listener
	per    int
	exempt func(netip.Addr) bool
	mu     sync.Mutex
	open   map[string]int
}

// Accept returns the next connection within its client's limit.
func (l *connLimit) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if cc := l.admit(c); cc != nil {
			return cc, nil
		}
		c.Close()
	}
}

// admit counts c against its client; nil when the client is at its limit.
func (l *connLimit) admit(c net.Conn) net.Conn {
	ap, err := netip.ParseAddrPort(c.RemoteAddr().String())
	if err != nil {
		return c // not TCP: nothing to key on
	}
	addr := ap.Addr().Unmap()
	if l.exempt != nil && l.exempt(addr) {
		return c
	}
	key := clientip.Key(addr)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key] >= l.per {
		return nil
	}
	l.open[key]++
	return &countedConn{Conn: c, release: func() { l.release(key) }}
}

func (l *connLimit) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key]--; l.open[key] <= 0 {
		delete(l.open, key)
	}
}

// countedConn gives its slot back when closed (once).
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}
