// Package emulatorbench benchmarks the Microsoft emulator (microsoft/emulator)
// through its public API, as a proxy benchmark would see it: item GET against
// a bare handler returning the same bytes (over loopback HTTP, in parallel,
// and handler-only), and a full delta enumeration of a 100,000-item drive.
// It holds no code besides the benchmarks in emulator_bench_test.go.
//
//	go test ./conformance/emulatorbench -run '^$' -bench ItemGet -benchtime 5000x
//	go test ./conformance/emulatorbench -run '^$' -bench DeltaFull100k -benchtime 3x
package emulatorbench
