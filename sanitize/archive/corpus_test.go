package archive

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mugai/mugai/internal/testcorpus"
)

// TestCorpus walks every archive attached to a message of the shared
// corpus of real-world mail (DMARC reports, zipped documents): each must
// be detected and read without error. The corpus is read in place;
// MUGAI_CORPUS overrides its default location beside the repository.
func TestCorpus(t *testing.T) {
	dir := testcorpus.Require(t)
	var found int
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".eml") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		for _, part := range leaves(b) {
			k := Detect(part)
			if !k.Supported() {
				if k != "" {
					t.Logf("%s: %s archive (not opened)", path, k)
				}
				continue
			}
			found++
			name := strings.TrimPrefix(path, dir+"/")
			gs, err := walk(t, part, k, Limits{})
			var le *LimitError
			var oe *OverlapError
			switch {
			case errors.As(err, &le), errors.As(err, &oe):
				// Real mail must never look like a bomb.
				t.Errorf("%s: %s: %v", name, k, err)
				continue
			case err != nil:
				// Fragments that merely start like an archive.
				t.Logf("%s: %s: %v", name, k, err)
				continue
			}
			var names []string
			for _, g := range gs {
				checkPath(t, g.Path)
				n := g.Path
				if g.Skipped != "" {
					n += " (" + g.Skipped + ")"
				}
				names = append(names, n)
			}
			t.Logf("%s: %s %q", name, k, names)
		}
		return nil
	})
	t.Logf("%d archives", found)
}

// leaves returns the decoded bodies of a message's leaf parts (standard
// library only; malformed messages give what they give).
func leaves(eml []byte) [][]byte {
	msg, err := mail.ReadMessage(bytes.NewReader(eml))
	if err != nil {
		return nil
	}
	var out [][]byte
	var visit func(ctype, cte string, body io.Reader, depth int)
	visit = func(ctype, cte string, body io.Reader, depth int) {
		mt, params, _ := mime.ParseMediaType(ctype)
		if strings.HasPrefix(mt, "multipart/") && depth < 10 {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err != nil {
					return
				}
				visit(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, depth+1)
			}
		}
		switch strings.ToLower(strings.TrimSpace(cte)) {
		case "base64":
			body = base64.NewDecoder(base64.StdEncoding, body)
		case "quoted-printable":
			body = quotedprintable.NewReader(body)
		}
		if b, err := io.ReadAll(io.LimitReader(body, 50<<20)); err == nil || len(b) > 0 {
			out = append(out, b)
		}
	}
	visit(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, 0)
	return out
}
