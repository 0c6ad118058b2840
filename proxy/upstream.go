package proxy

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/drivewayhq/driveway"
)

// maxThrottleRetries bounds the retries of one call after 429/503.
const maxThrottleRetries = 4

// roundTrip sends one proxied request to Graph: it waits for the tenant's
// Retry-After, takes a credential slot, adds the bearer token, refreshes
// once on 401, retries GET and HEAD after 429/503 within MaxRetryWait, and
// follows a redirect to a pre-authenticated download host without the
// token.
func (p *Proxy) roundTrip(req *http.Request) (*http.Response, error) {
	c := callFrom(req)
	if c == nil || req.URL.Host != c.sess.base.Host || req.URL.Scheme != c.sess.base.Scheme {
		return nil, errors.New("proxy: refusing a request that is not for the Graph host")
	}
	ctx := req.Context()
	budget := p.maxRetryWait()
	refreshed, throttles := false, 0
	sess := c.sess
	var retryBody io.ReadCloser
	for attempt := 0; ; attempt++ {
		release, err := p.admit(req, sess, &budget)
		if err != nil {
			return throttledOrErr(req, err)
		}
		out := req
		if attempt > 0 {
			out = req.Clone(ctx)
			if retryBody != nil {
				out.Body, retryBody = retryBody, nil
			}
		}
		out.Header.Set("Authorization", "Bearer "+sess.token)
		resp, err := p.upstream.RoundTrip(out)
		if err != nil {
			release()
			return nil, err
		}
		now := time.Now()
		switch wait, isThrottle := throttled(resp, now); {
		case resp.StatusCode == http.StatusUnauthorized && !refreshed && c.canReplay(&retryBody):
			discard(resp)
			release()
			refreshed = true
			if sess, err = p.refresh(req, sess); err != nil {
				return throttledOrErr(req, err)
			}
			continue
		case isThrottle:
			p.holdFor(sess.tenantKey, now, wait)
			p.logger().LogAttrs(ctx, slog.LevelInfo, "proxy: graph throttled the tenant",
				slog.Int("status", resp.StatusCode), slog.Duration("retryAfter", wait), slog.String("credential", sess.credID))
			if retriableWhenThrottled(req.Method) && throttles < maxThrottleRetries && wait <= budget && c.canReplay(&retryBody) {
				throttles++
				discard(resp)
				release()
				continue
			}
		case isRedirect(resp.StatusCode) && !c.manual && (req.Method == http.MethodGet || req.Method == http.MethodHead):
			if loc := p.downloadLocation(resp, sess.cloud); loc != nil {
				discard(resp)
				release()
				return p.follow(req, loc, sess.cloud)
			}
		}
		resp.Body = &releaseBody{ReadCloser: resp.Body, release: release}
		return resp, nil
	}
}

// canReplay reports whether the request can be sent again, and then sets
// body to the next attempt's body (nil without a body). Deciding and
// restarting happen in one step, so a previous attempt still reading
// cannot overflow the buffer in between.
func (c *call) canReplay(body *io.ReadCloser) bool {
	if !c.hasBody {
		return true
	}
	if c.body == nil {
		return false
	}
	next, ok := c.body.restart()
	*body = next
	return ok
}

// admit waits until the tenant may call Graph and a credential slot is
// free. The gate is checked again once the slot is taken: a 429 that came
// in while the call queued for a slot holds it back too.
func (p *Proxy) admit(req *http.Request, s *session, budget *time.Duration) (func(), error) {
	g := p.gate(s.tenantKey)
	for {
		if err := p.waitGate(req.Context(), s.tenantKey, budget); err != nil {
			return nil, err
		}
		release, err := p.acquire(req.Context(), s.projectID+"\x00"+s.credID)
		if err != nil {
			return nil, err
		}
		if time.Until(g.get()) <= 0 {
			return release, nil
		}
		release()
	}
}

// refresh asks Tokens for a new token after a 401 and caches it.
func (p *Proxy) refresh(req *http.Request, s *session) (*session, error) {
	tok, cred, err := p.Tokens.Invalidate(req.Context(), s.projectID, s.credID, s.token)
	if err != nil {
		p.logger().LogAttrs(req.Context(), slog.LevelWarn, "proxy: refresh after graph 401 failed",
			slog.String("credential", s.credID), slog.String("code", driveway.ErrorCode(err)))
		p.dropSessions(s)
		return nil, p.credentialFailure(err, cred, s.credID)
	}
	n := *s
	n.token = tok
	p.replaceSessions(s, &n)
	return &n, nil
}

// replaceSessions swaps the cached sessions of old's credential for n.
func (p *Proxy) replaceSessions(old, n *session) {
	p.sessions.m.Range(func(k, v any) bool {
		if e := v.(*cacheEntry); e.s.credID == old.credID && e.s.projectID == old.projectID {
			p.sessions.m.Store(k, &cacheEntry{s: n, expires: e.expires, stamp: e.stamp})
		}
		return true
	})
}

// dropSessions forgets old's credential, so the next call asks Tokens.
func (p *Proxy) dropSessions(old *session) {
	p.sessions.m.Range(func(k, v any) bool {
		if e := v.(*cacheEntry); e.s.credID == old.credID && e.s.projectID == old.projectID {
			p.sessions.drop(k.(string))
		}
		return true
	})
}

// throttledOrErr turns a local refusal into a response the ReverseProxy
// passes on, and other errors into a round-trip error.
func throttledOrErr(req *http.Request, err error) (*http.Response, error) {
	var te *throttleError
	var ce *credentialError
	var de *driveway.Error
	if errors.As(err, &te) || errors.As(err, &ce) || errors.As(err, &de) {
		return localResponse(req, err), nil
	}
	return nil, err
}

// discard drains a small answer (so its connection is reused) and closes it.
func discard(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	_ = resp.Body.Close()
}

// releaseBody frees the credential slot when the response is done.
type releaseBody struct {
	io.ReadCloser
	release func()
}

func (b *releaseBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}
