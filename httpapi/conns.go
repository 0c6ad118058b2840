package httpapi

import (
	"net"
	"net/netip"
	"sync"

	"github.com/drivewayhq/driveway/internal/clientip"
)

// LimitConns wraps ln so that at most total connections are open, and one
// client (clientip.Key of the peer: an IPv4 address, an IPv6 /64) holds at
// most perClient of them; a further one is closed as soon as it is
// accepted, before any byte is read. With the header and body deadlines
// this bounds what slow clients can hold. Peers for which exempt is true
// (trusted proxies, which carry many clients) count only towards total;
// exempt may be nil.
func LimitConns(ln net.Listener, perClient, total int, exempt func(netip.Addr) bool) net.Listener {
	return &connLimit{Listener: ln, per: perClient, max: total, exempt: exempt, open: map[string]int{}}
}

type connLimit struct {
	net.Listener
	per, max int
	exempt   func(netip.Addr) bool
	mu       sync.Mutex
	total    int
	open     map[string]int // by client key; exempt peers under ""
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

// admit counts c against the total and its client; nil when either is at
// its limit.
func (l *connLimit) admit(c net.Conn) net.Conn {
	key := ""
	if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
		if addr := ap.Addr().Unmap(); l.exempt == nil || !l.exempt(addr) {
			key = clientip.Key(addr)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.total >= l.max || (key != "" && l.open[key] >= l.per) {
		return nil
	}
	l.total++
	l.open[key]++
	return &countedConn{Conn: c, release: func() { l.release(key) }}
}

func (l *connLimit) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
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
