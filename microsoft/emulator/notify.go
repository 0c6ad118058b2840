package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// webhookClient sends validation requests and notifications. It does not
// follow redirects.
var webhookClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
	return http.ErrUseLastResponse
}}

// delivery is one pending webhook POST (a batch of notifications to one URL).
type delivery struct {
	url       string
	values    []map[string]any
	subs      map[string]bool // subscriptions already in values (coalescing)
	lifecycle bool
	attempt   int
	first     time.Time
	due       time.Time
	inFlight  bool
}

// reauthLead is how long before expiry a reauthorizationRequired event is sent.
const reauthLead = 10 * time.Minute

func isLoopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// notifyChange queues a notification for every subscription whose folder
// contains it. Lock held.
func (e *Emulator) notifyChange(d *Drive, it *Item) {
	now := e.Now()
	for _, s := range e.st.Subscriptions {
		if s.DriveID != d.ID || !now.Before(s.Expires) {
			continue
		}
		scope := d.Items[s.ItemID]
		if scope == nil || !d.isAncestor(scope, it) {
			continue
		}
		e.enqueue(s.NotificationURL, s, false, map[string]any{
			"subscriptionId": s.ID, "subscriptionExpirationDateTime": s.Expires.UTC().Format("2006-01-02T15:04:05.0000000Z"),
			"changeType": "updated", "resource": s.Resource, "clientState": nullable(s.ClientState),
			"tenantId": s.TenantID, "resourceData": nil})
	}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// enqueue adds a notification to a pending batch for url, coalescing
// repeated changes of one subscription. Lock held.
func (e *Emulator) enqueue(u string, s *subscription, lifecycle bool, v map[string]any) {
	for _, dl := range e.rt.queue {
		if dl.url == u && dl.lifecycle == lifecycle && !dl.inFlight && dl.attempt == 0 {
			if !dl.subs[s.ID] {
				dl.subs[s.ID] = true
				dl.values = append(dl.values, v)
			}
			return
		}
	}
	now := e.Now()
	e.rt.queue = append(e.rt.queue, &delivery{url: u, values: []map[string]any{v}, subs: map[string]bool{s.ID: true},
		lifecycle: lifecycle, first: now, due: now})
}

// dispatchLoop runs background work: deliveries, stale copies, expiry.
func (e *Emulator) dispatchLoop() {
	defer e.wg.Done()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-e.done:
			return
		case <-tick.C:
			e.mu.Lock()
			e.completeStaleCopies()
			e.lifecycleTick()
			due := e.dueDeliveries()
			e.mu.Unlock()
			for _, dl := range due {
				e.wg.Add(1)
				go e.send(dl)
			}
		}
	}
}

// lifecycleTick expires subscriptions and queues reauthorizationRequired. Lock held.
func (e *Emulator) lifecycleTick() {
	now := e.Now()
	for id, s := range e.st.Subscriptions {
		if !now.Before(s.Expires) {
			delete(e.st.Subscriptions, id)
			e.changed()
			continue
		}
		if s.LifecycleURL != "" && !s.ReauthSent && s.Expires.Sub(now) <= reauthLead {
			e.queueReauth(s)
		}
	}
}

func (e *Emulator) queueReauth(s *subscription) {
	s.ReauthSent = true
	e.enqueue(s.LifecycleURL, s, true, map[string]any{"subscriptionId": s.ID,
		"subscriptionExpirationDateTime": s.Expires.UTC().Format("2006-01-02T15:04:05.0000000Z"),
		"tenantId":                       s.TenantID, "clientState": nullable(s.ClientState), "lifecycleEvent": "reauthorizationRequired"})
}

// dueDeliveries marks due deliveries in flight and returns them. Lock held.
func (e *Emulator) dueDeliveries() []*delivery {
	now := e.Now()
	var out []*delivery
	for _, dl := range e.rt.queue {
		if !dl.inFlight && !dl.due.After(now) {
			dl.inFlight = true
			out = append(out, dl)
		}
	}
	return out
}

// send posts one delivery and reschedules or removes it.
func (e *Emulator) send(dl *delivery) {
	defer e.wg.Done()
	e.mu.Lock()
	drop := e.rt.dropNotes > 0 && e.rng.Float64() < e.rt.dropNotes
	dup := e.opts.DuplicateNotifications > 0 && e.rng.Float64() < e.opts.DuplicateNotifications
	body, _ := json.Marshal(map[string]any{"value": dl.values})
	e.mu.Unlock()
	u, err := url.Parse(dl.url)
	switch {
	case err != nil || (!e.opts.AllowNonLoopbackNotifications && !isLoopbackHost(u.Hostname())):
		e.finish(dl, "refused")
		return
	case drop:
		e.finish(dl, "dropped")
		return
	}
	ok := e.post(dl.url, body)
	if ok && dup {
		e.post(dl.url, body)
		e.mu.Lock()
		e.countNote("duplicated")
		e.mu.Unlock()
	}
	if ok {
		outcome := "sent"
		if dl.lifecycle {
			outcome = "lifecycle"
		}
		e.finish(dl, outcome)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.countNote("failed")
	now := e.Now()
	dl.attempt++
	if now.Sub(dl.first) >= e.opts.NotificationRetryWindow {
		e.removeDelivery(dl)
		e.countNote("expired")
		return
	}
	dl.due = now.Add(min(30*time.Second<<min(dl.attempt, 10), time.Hour))
	dl.inFlight = false
}

// post sends body and reports a 2xx answer within NotificationTimeout.
func (e *Emulator) post(u string, body []byte) bool {
	ctx, cancel := context.WithTimeout(context.Background(), e.opts.NotificationTimeout)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", u, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := webhookClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode >= 200 && resp.StatusCode < 300
}

func (e *Emulator) finish(dl *delivery, outcome string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.countNote(outcome)
	e.removeDelivery(dl)
}

func (e *Emulator) removeDelivery(dl *delivery) {
	for i, x := range e.rt.queue {
		if x == dl {
			e.rt.queue = append(e.rt.queue[:i], e.rt.queue[i+1:]...)
			return
		}
	}
}

// RequireReauthorization sends a reauthorizationRequired lifecycle event
// for a subscription (if it has a lifecycleNotificationUrl).
func (e *Emulator) RequireReauthorization(subscriptionID string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.st.Subscriptions[subscriptionID]
	if s == nil || s.LifecycleURL == "" {
		return false
	}
	e.queueReauth(s)
	return true
}

// PendingNotifications returns how many webhook deliveries are queued or in flight.
func (e *Emulator) PendingNotifications() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.rt.queue)
}
