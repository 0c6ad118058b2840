package audit_test

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/drivewayhq/driveway/audit"
	"github.com/drivewayhq/driveway/webhook"
)

// siem is a receiver on loopback that checks each POST's signature,
// answers 500 to the first fail requests and keeps the seqs it accepted.
type siem struct {
	t      *testing.T
	secret string
	mu     sync.Mutex
	fail   int
	ids    []string
	seqs   []int64
}

func (s *siem) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(s.secret, webhook.SecretPrefix))
	m := hmac.New(sha256.New, key)
	m.Write([]byte(r.Header.Get(webhook.HeaderID) + "." + r.Header.Get(webhook.HeaderTimestamp) + "."))
	m.Write(body)
	if r.Header.Get(webhook.HeaderSignature) != "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)) {
		s.t.Errorf("bad signature on %s", r.Header.Get(webhook.HeaderID))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail > 0 {
		s.fail--
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	s.ids = append(s.ids, r.Header.Get(webhook.HeaderID))
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	for sc.Scan() {
		var l audit.Line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			s.t.Errorf("line %q: %v", sc.Text(), err)
		}
		s.seqs = append(s.seqs, l.Seq)
	}
}

// TestStreamDeliversInOrderAndResumesAfterAFailure: batches arrive signed
// and in seq order; a receiver failure stops the run, and the next run
// resumes from the last batch accepted, losing nothing; a run with nothing
// new sends nothing.
func TestStreamDeliversInOrderAndResumesAfterAFailure(t *testing.T) {
	t.Parallel()
	store, _ := open(t)
	rec := &audit.Recorder{Store: store}
	for range 5 {
		if err := rec.Record(context.Background(), audit.Event{Action: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	recv := &siem{t: t, secret: webhook.GenerateSecret(), fail: 1}
	srv := httptest.NewServer(recv)
	t.Cleanup(srv.Close)
	st := &audit.Stream{Store: store, URL: srv.URL, Secret: recv.secret, Batch: 2}
	if n, err := st.Deliver(context.Background()); err == nil || n != 0 {
		t.Fatalf("first run against a failing receiver: %d delivered, err %v", n, err)
	}
	if n, err := st.Deliver(context.Background()); err != nil || n != 5 {
		t.Fatalf("second run: %d delivered, err %v", n, err)
	}
	if n, err := st.Deliver(context.Background()); err != nil || n != 0 {
		t.Fatalf("run with nothing new: %d delivered, err %v", n, err)
	}
	recv.mu.Lock()
	defer recv.mu.Unlock()
	if strings.Join(recv.ids, " ") != "audit-1-2 audit-3-4 audit-5-5" {
		t.Fatalf("batches %v", recv.ids)
	}
	for i, seq := range recv.seqs {
		if seq != int64(i+1) {
			t.Fatalf("seqs %v, want 1..5 in order", recv.seqs)
		}
	}
}
