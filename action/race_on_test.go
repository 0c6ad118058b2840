//go:build race

package action_test

// raceDetector is true when the tests run with -race, which multiplies
// memory use: resident-memory limits are measured without it.
const raceDetector = true
