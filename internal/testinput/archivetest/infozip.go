package archivetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// InfoZip makes a password-protected zip with Info-ZIP's `zip -P` (the
// traditional PKWARE encryption most PPAP mail carries), members in
// order; the test is skipped when zip is not installed (.ci/run installs
// it).
func InfoZip(tb testing.TB, password string, files ...File) []byte {
	tb.Helper()
	tool, err := exec.LookPath("zip")
	if err != nil {
		tb.Skip("zip is not installed (apt-get install zip; .ci/run does it)")
	}
	dir := tb.TempDir()
	args := []string{"-q", "-P", password, "out.zip"}
	for _, f := range files {
		path := filepath.Join(dir, f.Name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, f.Body, 0o644); err != nil {
			tb.Fatal(err)
		}
		args = append(args, f.Name)
	}
	cmd := exec.Command(tool, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("zip -P: %v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "out.zip"))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}
