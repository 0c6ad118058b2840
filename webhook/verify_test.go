package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway/webhook"
)

// verify is a receiver's check written from the Standard Webhooks
// specification alone (it does not use package webhook): the signed content
// is "<webhook-id>.<webhook-timestamp>.<body>", the key is the base64 after
// "whsec_", each space-separated "v1,<base64 HMAC-SHA256>" in
// webhook-signature is a candidate, compared in constant time, and the
// timestamp must be within tolerance of now.
func verify(secret string, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return errors.New("missing headers")
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("bad timestamp")
	}
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return errors.New("timestamp outside the tolerance")
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return errors.New("bad secret")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + string(body)))
	want := []byte(base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	for _, part := range strings.Split(sigs, " ") {
		version, sig, ok := strings.Cut(part, ",")
		if ok && version == "v1" && hmac.Equal([]byte(sig), want) {
			return nil
		}
	}
	return errors.New("no matching signature")
}

const tolerance = 5 * time.Minute

func headers(t *testing.T, secrets []string, id string, ts time.Time, body []byte) http.Header {
	t.Helper()
	sig, err := webhook.Sign(secrets, id, ts, body)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	h := http.Header{}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", strconv.FormatInt(ts.Unix(), 10))
	h.Set("webhook-signature", sig)
	return h
}

func TestSignVerifiedIndependently(t *testing.T) {
	t.Parallel()
	sec, other := webhook.GenerateSecret(), webhook.GenerateSecret()
	now := time.Now()
	body := []byte(`{"type":"credential.status_changed","timestamp":"x","data":{}}`)
	h := headers(t, []string{sec}, "evt_1", now, body)
	if err := verify(sec, h, body, now, tolerance); err != nil {
		t.Fatalf("a fresh signature does not verify: %v", err)
	}
	cases := []struct {
		name   string
		secret string
		body   []byte
		now    time.Time
	}{
		{"replay after the tolerance", sec, body, now.Add(tolerance + time.Second)},
		{"timestamp from the future", sec, body, now.Add(-tolerance - time.Second)},
		{"body changed", sec, []byte(strings.Replace(string(body), "{}", `{"a":1}`, 1)), now},
		{"another secret", other, body, now},
	}
	for _, c := range cases {
		if err := verify(c.secret, h, c.body, c.now, tolerance); err == nil {
			t.Errorf("%s: verified, want rejected", c.name)
		}
	}
	h.Set("webhook-id", "evt_2")
	if err := verify(sec, h, body, now, tolerance); err == nil {
		t.Errorf("another webhook-id verified, want rejected")
	}
}

func TestSignEverySecret(t *testing.T) {
	t.Parallel()
	a, b := webhook.GenerateSecret(), webhook.GenerateSecret()
	now := time.Now()
	body := []byte(`{}`)
	h := headers(t, []string{a, b}, "evt_1", now, body)
	if n := len(strings.Fields(h.Get("webhook-signature"))); n != 2 {
		t.Fatalf("signatures = %d, want 2", n)
	}
	for _, s := range []string{a, b} {
		if err := verify(s, h, body, now, tolerance); err != nil {
			t.Errorf("secret does not verify: %v", err)
		}
	}
}

func TestSignRejectsBadSecrets(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "whsec_", "nope_" + strings.Repeat("A", 44), "whsec_%%%", "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 8))} {
		if _, err := webhook.Sign([]string{s}, "id", time.Now(), nil); err == nil {
			t.Errorf("Sign with %q: no error", s)
		} else if s != "" && len(s) > 8 && strings.Contains(err.Error(), s[6:]) {
			t.Errorf("Sign error %q holds the secret", err)
		}
	}
	if _, err := webhook.Sign(nil, "id", time.Now(), nil); err == nil {
		t.Errorf("Sign without secrets: no error")
	}
}

// TestSignKnownAnswer: the test vector published with the Standard Webhooks
// specification, checked against Sign and against the independent
// verifier.
func TestSignKnownAnswer(t *testing.T) {
	t.Parallel()
	const (
		secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		id     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
		want   = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	)
	ts := time.Unix(1614265330, 0)
	body := []byte(`{"test": 2432232314}`)
	got, err := webhook.Sign([]string{secret}, id, ts, body)
	if err != nil || got != want {
		t.Fatalf("Sign = %q, %v; want %q", got, err, want)
	}
	h := http.Header{}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", "1614265330")
	h.Set("webhook-signature", "v1,bm90IHRoaXMgb25l "+want)
	if err := verify(secret, h, body, ts.Add(time.Minute), tolerance); err != nil {
		t.Fatalf("the verifier rejects the published vector: %v", err)
	}
	if err := verify(secret, h, body, ts.Add(tolerance+time.Minute), tolerance); err == nil {
		t.Fatal("the verifier accepts the published vector long after its timestamp")
	}
}
