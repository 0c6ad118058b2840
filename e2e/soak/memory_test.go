package soak

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// memory samples the nodes' resident set size every 5 s.
type memory struct {
	mu      sync.Mutex
	nodes   []*proc
	samples map[string][]rss // by node name
}

type rss struct {
	at  time.Time
	kib int64
	pid int
}

func newMemory(nodes []*proc) *memory {
	return &memory{nodes: nodes, samples: map[string][]rss{}}
}

func (m *memory) sample(stop <-chan struct{}) {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			for _, n := range m.nodes {
				pid := n.pid()
				if k := rssKiB(pid); k > 0 {
					m.mu.Lock()
					m.samples[n.name] = append(m.samples[n.name], rss{at: time.Now(), kib: k, pid: pid})
					m.mu.Unlock()
				}
			}
		}
	}
}

// check: the resident memory of each node that lived through the last
// half of the workload stays within ±15 % of its mean over that half.
// A node killed every minute has no such half (its figure is reported).
func (m *memory) check(v *verdict, nodes []*proc, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, n := range nodes {
		half := m.lastHalf(n.name)
		if len(half) < 4 || half[0].pid != half[len(half)-1].pid {
			continue
		}
		lo, hi, mean := spread(half)
		if float64(hi) > mean*1.15 || float64(lo) < mean*0.85 {
			v.Other = append(v.Other, fmt.Sprintf("%s resident memory not flat over the last half: %d..%d KiB, mean %.0f KiB",
				n.name, lo, hi, mean))
		}
	}
}

func (m *memory) lastHalf(name string) []rss {
	all := m.samples[name]
	if len(all) == 0 {
		return nil
	}
	mid := all[0].at.Add(all[len(all)-1].at.Sub(all[0].at) / 2)
	var out []rss
	for _, s := range all {
		if !s.at.Before(mid) {
			out = append(out, s)
		}
	}
	return out
}

func spread(ss []rss) (lo, hi int64, mean float64) {
	lo, hi = ss[0].kib, ss[0].kib
	var sum int64
	for _, s := range ss {
		lo, hi, sum = min(lo, s.kib), max(hi, s.kib), sum+s.kib
	}
	return lo, hi, float64(sum) / float64(len(ss))
}

// String is each node's RSS over the last half: min..max (mean), and
// whether one process lived through it.
func (m *memory) String() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var parts []string
	for _, n := range m.nodes {
		half := m.lastHalf(n.name)
		if len(half) == 0 {
			parts = append(parts, n.name+": no samples")
			continue
		}
		lo, hi, mean := spread(half)
		note := "one process"
		if half[0].pid != half[len(half)-1].pid {
			note = fmt.Sprintf("killed and restarted (%d starts): not judged", n.starts)
		}
		parts = append(parts, fmt.Sprintf("%s last half %d..%d KiB (mean %.0f), %s", n.name, lo, hi, mean, note))
	}
	return strings.Join(parts, "; ")
}
