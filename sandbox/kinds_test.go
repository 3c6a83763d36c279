package sandbox

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/mugai/mugai/internal/testcorpus"
	"github.com/mugai/mugai/sandbox/syscallfilter"
	"github.com/mugai/mugai/sanitize"
)

// TestSameAsInProcess sanitizes the golden and attack messages — every
// converter kind: PDF, Office, archives and their bombs, TNEF, images
// re-encoded, long text — with conversions in confined workers (this
// test binary, so under -race the race detector's runtime too) and
// in-process, and wants the same bytes. A system call missing from the
// allowlist kills a worker, and the attachment's notice then differs.
func TestSameAsInProcess(t *testing.T) {
	files, _ := filepath.Glob("../testdata/golden/*.eml")
	attacks, _ := filepath.Glob("../testdata/attacks/*.eml")
	files = append(files, attacks...)
	if raceEnabled {
		// A race-detector worker takes a good part of a second to start:
		// the messages with conversions only.
		files, _ = filepath.Glob("../testdata/golden/convert-*.eml")
	}
	if len(files) < 5 {
		t.Fatalf("found only %d messages", len(files))
	}
	sameAsInProcess(t, files)
}

// TestCorpusConfined is TestSameAsInProcess over the shared corpus of
// real-world mail (../shared/corpus beside the repository, or
// $MUGAI_CORPUS): the attachments real senders send.
func TestCorpusConfined(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("the corpus is run without -short and -race")
	}
	sameAsInProcess(t, testcorpus.Messages(t, testcorpus.Require(t)))
}

// sameAsInProcess sanitizes each message with confined and in-process
// conversions and wants the same bytes.
func sameAsInProcess(t *testing.T, files []string) {
	pol := sanitize.DefaultPolicy()
	pol.Images = sanitize.ImagesReencode
	l := pol.Limits
	conv, err := New(Converter{Exe: os.Args[0], Env: []string{"MUGAI_SANDBOX_WORKER=1"},
		Time: l.ConvertTime, Memory: l.ConvertMemory, Output: l.ConvertOutput, SyscallFilter: syscallfilter.Build})
	if err != nil {
		t.Fatal(err)
	}
	confined := sanitize.New(pol, sanitize.WithConverter(conv))
	inProcess := sanitize.New(pol)
	for _, f := range files {
		raw := readFile(t, f)
		var want, got bytes.Buffer
		_, werr := inProcess.Message(&want, bytes.NewReader(raw))
		_, gerr := confined.Message(&got, bytes.NewReader(raw))
		if (werr == nil) != (gerr == nil) || !bytes.Equal(want.Bytes(), got.Bytes()) {
			t.Errorf("%s: confined output differs from in-process (errors %v / %v):\n%s\n---- in-process:\n%s",
				f, gerr, werr, got.Bytes(), want.Bytes())
		}
	}
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
