//go:build race

package db_test

// raceDetector says whether the tests run with -race.
const raceDetector = true
