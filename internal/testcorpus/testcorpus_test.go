package testcorpus

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestLocation(t *testing.T) {
	t.Setenv(Env, "")
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := location(), filepath.Join(root, "..", "shared", "corpus"); got != want {
		t.Errorf("location() = %s, want %s (beside the repository)", got, want)
	}
}

func TestEnvAndMessages(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"b/2.eml", "a/1.eml", "a/notes.md", "c.eml"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(Env, dir)
	if got := Dir(); got != dir {
		t.Errorf("Dir() = %q, want %q", got, dir)
	}
	if got := Require(t, "a"); got != filepath.Join(dir, "a") {
		t.Errorf("Require(a) = %q", got)
	}
	want := []string{filepath.Join(dir, "a", "1.eml"), filepath.Join(dir, "b", "2.eml"), filepath.Join(dir, "c.eml")}
	if got := Messages(t, dir); !slices.Equal(got, want) {
		t.Errorf("Messages = %q, want %q", got, want)
	}
	t.Run("absent", func(t *testing.T) {
		t.Setenv(Env, filepath.Join(dir, "missing"))
		if Dir() != "" {
			t.Error("Dir() of a missing corpus is not empty")
		}
		defer func() {
			if !t.Skipped() {
				t.Error("Require did not skip without the corpus")
			}
		}()
		Require(t)
	})
}
