// Package storetest is the conformance suite every driveway.Store runs.
//
// The flow: an engine's test calls Run with a function that opens a fresh,
// migrated, empty store sealing with the given Sealer. Run starts one
// parallel subtest per area (records, errors, tenant isolation, compare-and-
// swap under concurrency, transactions, cascades, sealing and rotation, the
// canary at rest), each on its own store. BenchmarkCredential measures the
// credential read and compare-and-swap update the same way on every engine.
//
// A store that also implements RawDumper lets the canary test look at its
// bytes at rest; the PostgresURL and PgDump helpers give Postgres tests an
// isolated schema and its dump.
package storetest

import (
	"crypto/rand"
	"sync/atomic"
	"testing"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/secret"
)

// NewStore opens a fresh, migrated, empty store that seals with sealer; it
// closes it when t ends.
type NewStore func(t *testing.T, sealer driveway.Sealer) driveway.Store

// RawDumper is implemented by the stores an engine's test hands to Run when
// they can show their bytes at rest (database files, a dump): the canary test
// asserts no secret appears in them. DumpRaw may skip t with a message.
type RawDumper interface {
	DumpRaw(t *testing.T) []byte
}

// Run runs the whole suite against stores made by newStore.
func Run(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b *bundle)
	}{
		{"Projects", testProjects},
		{"Integration", testIntegration},
		{"SigningKeys", testSigningKeys},
		{"APIKeys", testAPIKeys},
		{"APIKeyScopes", testAPIKeyScopes},
		{"APIKeyCascade", testAPIKeyCascade},
		{"Audit", testAudit},
		{"AuditConcurrent", testAuditConcurrent},
		{"ConnectedUsers", testConnectedUsers},
		{"Credentials", testCredentials},
		{"Times", testTimes},
		{"OAuthStates", testOAuthStates},
		{"OAuthConsumeRace", testOAuthConsumeRace},
		{"InstallSessions", testInstallSessions},
		{"OAuthCompletion", testOAuthCompletion},
		{"OAuthStateCount", testOAuthStateCount},
		{"InstallSessionPurge", testInstallSessionPurge},
		{"Events", testEvents},
		{"Leases", testLeases},
		{"LeaseRace", testLeaseRace},
		{"CredentialsToRefresh", testCredentialsToRefresh},
		{"IntegrationAlarm", testIntegrationAlarm},
		{"Isolation", testIsolation},
		{"CASConcurrent", testCASConcurrent},
		{"CASRetryNoLostUpdate", testCASRetry},
		{"WithTx", testWithTx},
		{"DeleteCascades", testDeleteCascades},
		{"ListSealed", testListSealed},
		{"SwappedCiphertext", testSwappedCiphertext},
		{"Rotate", testRotate},
		{"RotateConcurrent", testRotateConcurrent},
		{"Canary", testCanary},
		{"Ping", testPing},
		{"Workflows", testWorkflows},
		{"Runs", testRuns},
		{"AdmitRun", testAdmitRun},
		{"AdmitRunConcurrent", testAdmitRunConcurrent},
		{"ProjectSecrets", testProjectSecrets},
		{"RunContent", testRunContent},
		{"EventRetention", testEventRetention},
		{"EraseUser", testEraseUser},
		{"URLCodes", testURLCodes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, setup(t, newStore))
		})
	}
}

// bundle is what every test starts from.
type bundle struct {
	s      driveway.Store
	sealer *SwapSealer
	ring   *secret.Keyring
	key    string // ring's one "kid:base64" entry
}

func setup(t *testing.T, newStore NewStore) *bundle {
	key, err := secret.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	ring, err := secret.ParseKeyring(key)
	if err != nil {
		t.Fatal(err)
	}
	sw := NewSwapSealer(ring)
	return &bundle{s: newStore(t, sw), sealer: sw, ring: ring, key: key}
}

// SwapSealer is a driveway.Sealer whose keyring can be replaced while a store
// uses it, to test rotation.
type SwapSealer struct {
	p atomic.Pointer[secret.Keyring]
}

// NewSwapSealer returns a SwapSealer using ring.
func NewSwapSealer(ring *secret.Keyring) *SwapSealer {
	s := &SwapSealer{}
	s.p.Store(ring)
	return s
}

// Set replaces the keyring.
func (s *SwapSealer) Set(ring *secret.Keyring) { s.p.Store(ring) }

// Seal seals with the current keyring.
func (s *SwapSealer) Seal(plain []byte, at driveway.SealedRef) (string, error) {
	return s.p.Load().Seal(plain, at)
}

// Open opens with the current keyring.
func (s *SwapSealer) Open(ct string, at driveway.SealedRef) ([]byte, error) {
	return s.p.Load().Open(ct, at)
}

// Current asks the current keyring.
func (s *SwapSealer) Current(ct string) bool { return s.p.Load().Current(ct) }

// unique returns a random token (16 base32 characters) for canaries.
func unique() string { return rand.Text()[:16] }
