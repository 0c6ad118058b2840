package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// mode is one way of reaching the emulator's driveItem.
type mode struct {
	name   string
	url    string
	header http.Header
	// clients per connection count, each with its own keep-alive pool.
	clients map[int]*http.Client
}

func (m *mode) client(conns int) *http.Client {
	if m.clients == nil {
		m.clients = map[int]*http.Client{}
	}
	if c := m.clients[conns]; c != nil {
		return c
	}
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns,
		DisableCompression: true, IdleConnTimeout: time.Minute}
	m.clients[conns] = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	return m.clients[conns]
}

// result is one round of one mode.
type result struct {
	rps      float64
	p50, p99 time.Duration
	errors   int64
}

// drive sends n GETs over conns connections and measures them. Every
// answer must be 200 with a body; others count as errors.
func drive(ctx context.Context, m *mode, conns, n int) result {
	c := m.client(conns)
	var next, errs atomic.Int64
	lat := make([][]time.Duration, conns)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				t0 := time.Now()
				if !get(ctx, c, m) {
					errs.Add(1)
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	all := slices.Concat(lat...)
	slices.Sort(all)
	return result{rps: float64(n) / wall.Seconds(), p50: all[len(all)/2], p99: all[len(all)*99/100], errors: errs.Load()}
}

func get(ctx context.Context, c *http.Client, m *mode) bool {
	req, err := http.NewRequestWithContext(ctx, "GET", m.url, nil)
	if err != nil {
		return false
	}
	for k, v := range m.header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == 200 && n > 0
}

// check makes sure a mode answers 200 before it is measured.
func check(ctx context.Context, m *mode) error {
	c := m.client(1)
	req, _ := http.NewRequestWithContext(ctx, "GET", m.url, nil)
	for k, v := range m.header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", m.name, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: %d %s", m.name, resp.StatusCode, body)
	}
	return nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}
