package storetest

import (
	"context"
	"strings"
	"testing"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/secret"
)

// BenchStore opens a fresh, migrated store for a benchmark.
type BenchStore func(tb testing.TB, sealer driveway.Sealer) driveway.Store

// BenchmarkCredential measures, on one store, the credential read by key
// (GetCredential, both tokens opened), the same read from parallel
// goroutines, and the compare-and-swap update (UpdateCredential, both tokens
// sealed).
func BenchmarkCredential(b *testing.B, open BenchStore) {
	key, err := secret.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	ring, err := secret.ParseKeyring(key)
	if err != nil {
		b.Fatal(err)
	}
	s := open(b, ring)
	ctx := context.Background()
	p := &driveway.Project{ID: "prj_bench", Name: "bench"}
	if err := s.CreateProject(ctx, p); err != nil {
		b.Fatal(err)
	}
	if err := s.UpsertConnectedUser(ctx, &driveway.ConnectedUser{ProjectID: p.ID, ID: "u"}); err != nil {
		b.Fatal(err)
	}
	// Tokens of a typical size: Microsoft access tokens run to 1.5-2.5 KB.
	c := credential(p.ID, "u", "cred_bench", strings.Repeat("t", 1500))
	if err := s.CreateCredential(ctx, c); err != nil {
		b.Fatal(err)
	}
	b.Run("get", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.GetCredential(ctx, p.ID, c.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("get-parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.GetCredential(ctx, p.ID, c.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("cas", func(b *testing.B) {
		for b.Loop() {
			c.RefreshFailures++
			if err := s.UpdateCredential(ctx, c); err != nil {
				b.Fatal(err)
			}
		}
	})
}
