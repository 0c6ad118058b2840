package soak

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// delivery is one webhook request the receiver got.
type delivery struct {
	ID       string // webhook-id: the event id
	Type     string
	Data     map[string]any
	At       time.Time
	Answered int // the status the receiver answered
}

// receiver is the app's webhook endpoint on loopback: it records every
// request and answers 200, or 500 while failing is set.
type receiver struct {
	URL     string
	failing atomic.Bool
	mu      sync.Mutex
	got     []delivery
	srv     *http.Server
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rc := &receiver{URL: "http://" + ln.Addr().String() + "/hooks"}
	rc.srv = &http.Server{Handler: rc, ReadHeaderTimeout: 10 * time.Second}
	go rc.srv.Serve(ln)
	t.Cleanup(func() { rc.srv.Close() })
	return rc
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var msg struct {
		Type string         `json:"type"`
		Data map[string]any `json:"data"`
	}
	b, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(b, &msg)
	status := http.StatusOK
	if rc.failing.Load() {
		status = http.StatusInternalServerError
	}
	rc.mu.Lock()
	rc.got = append(rc.got, delivery{ID: r.Header.Get("webhook-id"), Type: msg.Type, Data: msg.Data, At: time.Now(), Answered: status})
	rc.mu.Unlock()
	w.WriteHeader(status)
}

// deliveries returns a copy of every request so far.
func (rc *receiver) deliveries() []delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]delivery(nil), rc.got...)
}

// accepted returns the deliveries answered 2xx, once per event id (the
// app's dedupe), and how many 2xx repeats there were before that dedupe.
func accepted(ds []delivery) (map[string]delivery, int) {
	out := map[string]delivery{}
	repeats := 0
	for _, d := range ds {
		if d.Answered/100 != 2 {
			continue
		}
		if _, ok := out[d.ID]; ok {
			repeats++
			continue
		}
		out[d.ID] = d
	}
	return out, repeats
}
