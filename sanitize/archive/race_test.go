//go:build race

package archive

// raceEnabled stretches the time bounds of the tests: the race detector
// makes compression several times slower.
const raceEnabled = true
