// Package testcorpus finds the shared corpus of real-world mail that tests,
// fuzz seeds and measuring scripts read in place (it is never copied into
// the repository): the directory $MUGAI_CORPUS names, else shared/corpus
// beside the repository (../shared/corpus from its root). Tests that need
// it skip, saying where they looked, when it is absent.
package testcorpus

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Env is the environment variable that overrides the corpus location.
const Env = "MUGAI_CORPUS"

// Dir returns the corpus directory, or "" when it is absent.
func Dir() string {
	dir := location()
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return ""
	}
	return dir
}

// Require returns the corpus directory, joined with sub when given, and
// skips the test when that is absent.
func Require(tb testing.TB, sub ...string) string {
	tb.Helper()
	dir := filepath.Join(append([]string{location()}, sub...)...)
	if _, err := os.Stat(dir); err != nil {
		tb.Skipf("shared corpus not found at %s (set %s to its path): %v", dir, Env, err)
	}
	return dir
}

// Messages returns the paths of the .eml files below dir, in the lexical
// order of filepath.WalkDir. An error reading dir fails the test.
func Messages(tb testing.TB, dir string) []string {
	tb.Helper()
	files, err := List(dir)
	if err != nil {
		tb.Fatalf("reading the shared corpus: %v", err)
	}
	return files
}

// List is Messages for a program: the paths of the .eml files below dir,
// in the lexical order of filepath.WalkDir.
func List(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".eml") {
			files = append(files, p)
		}
		return err
	})
	return files, err
}

// location is $MUGAI_CORPUS, else ../shared/corpus from the root of the
// repository: the nearest directory at or above the working directory
// (a test's is its package's) that holds go.mod.
func location() string {
	if dir := os.Getenv(Env); dir != "" {
		return dir
	}
	root, err := os.Getwd()
	if err != nil {
		return filepath.Join("..", "shared", "corpus")
	}
	for d := root; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			root = d
			break
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	return filepath.Join(root, "..", "shared", "corpus")
}
