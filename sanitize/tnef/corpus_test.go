package tnef

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mugai/mugai/internal/testcorpus"
)

// corpusTNEF returns every raw TNEF payload of the corpus: the files of
// tnef-raw, and the application/ms-tnef parts of the messages that carry
// one, keyed by a readable name.
func corpusTNEF(t *testing.T) map[string][]byte {
	dir := filepath.Dir(testcorpus.Require(t, "tnef-raw"))
	out := map[string][]byte{}
	raw, _ := filepath.Glob(filepath.Join(dir, "tnef-raw", "*", "*"))
	for _, f := range raw {
		if strings.HasSuffix(f, ".md") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimPrefix(f, dir+"/")] = b
	}
	msgs, _ := filepath.Glob(filepath.Join(dir, "mimekit", "tnef-messages", "*.eml"))
	msgs = append(msgs, filepath.Join(dir, "mail-mime-parser", "emails", "m4006.eml"))
	for _, f := range msgs {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for i, part := range tnefParts(t, b) {
			out[strings.TrimPrefix(f, dir+"/")+"#"+string(rune('0'+i))] = part
		}
	}
	return out
}

// tnefParts finds application/ms-tnef leaves with the standard library.
func tnefParts(t *testing.T, eml []byte) [][]byte {
	msg, err := mail.ReadMessage(bytes.NewReader(eml))
	if err != nil {
		t.Logf("skip message: %v", err)
		return nil
	}
	var out [][]byte
	var walk func(ctype, cte string, body io.Reader)
	walk = func(ctype, cte string, body io.Reader) {
		mt, params, err := mime.ParseMediaType(ctype)
		if err != nil {
			return
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err != nil {
					return
				}
				walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p)
			}
		}
		if mt == "application/ms-tnef" || mt == "application/vnd.ms-tnef" {
			var r io.Reader = body
			if strings.EqualFold(strings.TrimSpace(cte), "base64") {
				r = base64.NewDecoder(base64.StdEncoding, body)
			}
			b, err := io.ReadAll(r)
			if err == nil {
				out = append(out, b)
			}
		}
	}
	walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	return out
}

// TestCorpus decodes every real TNEF payload: each decodes, or fails with
// ErrNotTNEF or a FormatError that says where; what is decoded must make
// sense (attachment data of plausible size, names without path parts).
func TestCorpus(t *testing.T) {
	for name, data := range corpusTNEF(t) {
		m, err := Decode(data, Limits{})
		var fe *FormatError
		switch {
		case errors.Is(err, ErrNotTNEF):
			t.Logf("%s: %v", name, err)
			continue
		case errors.As(err, &fe):
			t.Logf("%s: %v (partial: %d attachments)", name, err, len(m.Attachments))
		case err != nil:
			t.Errorf("%s: %v", name, err)
			continue
		}
		logMessage(t, name, m, "")
		checkMessage(t, name, m, len(data))
		checkInvariants(t, m, Limits{})
	}
}

func logMessage(t *testing.T, name string, m *Message, indent string) {
	t.Logf("%s%s: subject %q, body %d, html %d (%s), rtf %d, %d attachments",
		indent, name, m.Subject, len(m.BodyText), len(m.BodyHTML), m.HTMLCharset, len(m.BodyRTF), len(m.Attachments))
	for _, a := range m.Attachments {
		t.Logf("%s  %q %s %d bytes %q", indent, a.Name, a.MIMEType, len(a.Data), head(a.Data))
		if a.Message != nil {
			logMessage(t, "attached message", a.Message, indent+"    ")
		}
	}
}

func head(b []byte) []byte {
	if len(b) > 8 {
		return b[:8]
	}
	return b
}

func checkMessage(t *testing.T, name string, m *Message, size int) {
	t.Helper()
	if m.BodyRTF != nil && !bytes.HasPrefix(m.BodyRTF, []byte(`{\rtf`)) {
		t.Errorf("%s: RTF body starts %q", name, head(m.BodyRTF))
	}
	for _, a := range m.Attachments {
		if strings.ContainsAny(a.Name, "/\\\x00") {
			t.Errorf("%s: attachment name %q", name, a.Name)
		}
		if len(a.Data) > size {
			t.Errorf("%s: attachment %q larger than the stream", name, a.Name)
		}
		if a.Message != nil {
			checkMessage(t, name, a.Message, size)
		}
	}
}
