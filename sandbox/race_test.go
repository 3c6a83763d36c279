//go:build race

package sandbox

// raceEnabled: the test binary, and so its worker, runs under the race
// detector.
const raceEnabled = true
