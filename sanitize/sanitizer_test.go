package sanitize_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mugai/mugai/gateway"
	"github.com/mugai/mugai/internal/sanitizetest"
	"github.com/mugai/mugai/sanitize"
)

func sanitizeString(t *testing.T, pol sanitize.Policy, msg string) (string, *sanitize.Report, error) {
	t.Helper()
	var out bytes.Buffer
	rep, err := sanitize.New(pol).Message(&out, strings.NewReader(msg))
	if err == nil {
		if _, cerr := sanitizetest.Check(out.Bytes(), sanitizetest.Options{ExtraHeaders: pol.ExtraHeaders}); cerr != nil {
			t.Errorf("invariant broken: %v\n%s", cerr, out.String())
		}
	}
	return out.String(), rep, err
}

func deepMessage(n int) string {
	var b strings.Builder
	b.WriteString("Subject: deep\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"bnd%06d\"\n\n--bnd%06d\n", i, i)
	}
	b.WriteString("\nbottom\n")
	return b.String()
}

func manyParts(n int) string {
	var b strings.Builder
	b.WriteString("Subject: many\nContent-Type: multipart/mixed; boundary=b\n\n")
	for i := 0; i < n; i++ {
		b.WriteString("--b\n\nx\n")
	}
	b.WriteString("--b--\n")
	return b.String()
}

func TestRejections(t *testing.T) {
	small := sanitize.DefaultPolicy()
	small.Limits.MessageBytes = 1000
	tests := []struct {
		name     string
		pol      sanitize.Policy
		msg      string
		kind     sanitize.RejectKind
		code     int
		enhanced [3]int
		reason   string
	}{
		{"deep nesting", sanitize.DefaultPolicy(), deepMessage(10000), sanitize.RejectLimit, 550, [3]int{5, 6, 0}, "MIME nesting depth"},
		{"many parts", sanitize.DefaultPolicy(), manyParts(100000), sanitize.RejectLimit, 550, [3]int{5, 6, 0}, "number of MIME parts"},
		{"message size", small, "Subject: big\n\n" + strings.Repeat("x\n", 1000), sanitize.RejectLimit, 552, [3]int{5, 3, 4}, "message size"},
		{"ambiguous", sanitize.DefaultPolicy(), "Content-Type: multipart/mixed; boundary=a; boundary=b\n\n--a\n\nx\n--a--\n", sanitize.RejectAmbiguous, 550, [3]int{5, 6, 0}, "boundary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			out, rep, err := sanitizeString(t, tt.pol, tt.msg)
			var rej *sanitize.RejectError
			if !errors.As(err, &rej) {
				t.Fatalf("got %v, want a RejectError", err)
			}
			r := gateway.RejectionReply(rej)
			code, enh, text := int(r.Code), r.EnhancedCode(), r.Message
			if rej.Kind != tt.kind || !strings.Contains(rej.Reason, tt.reason) {
				t.Errorf("got %+v", rej)
			}
			if code != tt.code || enh != tt.enhanced || text != rej.Reason {
				t.Errorf("RejectionReply = %d %v %q", code, enh, text)
			}
			if out != "" {
				t.Errorf("rejected, yet output was written")
			}
			if rep == nil || rep.Rejected == nil || rep.Rejected.Reason != rej.Reason || rep.Rejected.Replaced {
				t.Errorf("report rejection %+v", rep)
			}
			if time.Since(start) > 5*time.Second {
				t.Errorf("took %v", time.Since(start))
			}
		})
	}
}

func TestOverLimitNotice(t *testing.T) {
	pol := sanitize.DefaultPolicy()
	pol.OverLimit = sanitize.OutcomeNotice
	pol.Language = sanitize.English
	out, rep, err := sanitizeString(t, pol, deepMessage(100))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rejected == nil || !rep.Rejected.Replaced || rep.Rejected.Kind != sanitize.RejectLimit {
		t.Errorf("report rejection %+v", rep.Rejected)
	}
	for _, want := range []string{"Subject: deep", "X-Mugai-Sanitized: replaced; reason=limit", "could not be sanitized safely"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "bottom") {
		t.Errorf("content survived a notice-only replacement")
	}
}

func TestTimeLimit(t *testing.T) {
	pol := sanitize.DefaultPolicy()
	pol.Limits.Time = time.Nanosecond
	_, _, err := sanitizeString(t, pol, manyParts(400))
	var rej *sanitize.RejectError
	if !errors.As(err, &rej) || rej.Kind != sanitize.RejectLimit || !strings.Contains(rej.Reason, "longer than") {
		t.Fatalf("got %v, want a time-limit rejection", err)
	}
}

func TestCallerCancelIsNotARejection(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := sanitize.New(sanitize.DefaultPolicy()).MessageContext(ctx, io.Discard, strings.NewReader(manyParts(10)))
	var rej *sanitize.RejectError
	if err == nil || errors.As(err, &rej) {
		t.Fatalf("got %v, want a plain (temporary) error", err)
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("connection reset")
	}
	msg := "Subject: x\n\nhello\n"
	n := copy(p, msg[:min(len(msg), f.n)])
	f.n -= n
	return n, nil
}

type failingWriter struct{}

func (failingWriter) Write(p []byte) (int, error) { return 0, errors.New("disk full") }

func TestIOErrorsAreNotRejections(t *testing.T) {
	s := sanitize.New(sanitize.DefaultPolicy())
	var rej *sanitize.RejectError
	var out bytes.Buffer
	if _, err := s.Message(&out, &failingReader{n: 5}); err == nil || errors.As(err, &rej) {
		t.Errorf("read error: got %v, want a plain error", err)
	}
	if out.Len() != 0 {
		t.Errorf("a read error left %d bytes of output", out.Len())
	}
	if _, err := s.Message(failingWriter{}, strings.NewReader("Subject: x\n\nhi\n")); err == nil || errors.As(err, &rej) {
		t.Errorf("write error: got %v, want a plain error", err)
	}
}

// TestIdempotent: sanitizing the output again keeps the same text (the
// notice aside), and the second pass changes nothing.
func TestIdempotent(t *testing.T) {
	pol := sanitize.DefaultPolicy()
	msg := "From: a@example.jp\nSubject: =?ISO-2022-JP?B?GyRCLSEtIi1qGyhC?=\nContent-Type: multipart/alternative; boundary=x\n\n--x\nContent-Type: text/html; charset=utf-8\n\n<p>本文 <a href=\"https://example.jp/\">link</a></p>\n--x--\n"
	first, _, err := sanitizeString(t, pol, msg)
	if err != nil {
		t.Fatal(err)
	}
	second, rep, err := sanitizeString(t, pol, first)
	if err != nil {
		t.Fatal(err)
	}
	t1, _ := sanitizetest.Check([]byte(first), sanitizetest.Options{})
	t2, _ := sanitizetest.Check([]byte(second), sanitizetest.Options{})
	if len(t1) != len(t2) || t1[0].Body != t2[0].Body {
		t.Errorf("text changed on the second pass:\n%q\n%q", t1, t2)
	}
	if s, _ := sanitizetest.Summary([]byte(second)); s != "yes" {
		t.Errorf("second pass summary %q, want nothing changed (report %+v)", s, rep)
	}
}

func TestHeaders(t *testing.T) {
	pol := sanitize.DefaultPolicy()
	pol.ExtraHeaders = []string{"X-Priority", "Received"} // Received is reserved: never copied
	msg := "Received: from evil\n" +
		"From: =?UTF-8?B?5bGx55Sw?= <yamada@example.jp>, broken <<x@y\n" +
		"To: undisclosed-recipients:;\n" +
		"Cc: \"Sato, Hanako\" <sato@example.jp>\n" +
		"Subject: =?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=\n" +
		"Date: Thu, 26 Nov 2026 09:00:00 +0900 (JST)\n" +
		"Message-ID: <abc@example.jp> trailing junk\n" +
		"References: <r1@x> <r2@x>\n <r3@x>\n" +
		"X-Priority: 1 (Highest)\n" +
		"X-Spam: yes\n" +
		"\nbody\n"
	out, rep, err := sanitizeString(t, pol, msg)
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := strings.Cut(out, "\r\n\r\n")
	for _, want := range []string{
		"From: =?utf-8?q?=E5=B1=B1=E7=94=B0?= <yamada@example.jp>",
		"To: undisclosed-recipients:;",
		`Cc: "Sato, Hanako" <sato@example.jp>`,
		"Subject: =?utf-8?b?44GT44KT44Gr44Gh44Gv?=",
		"Date: Thu, 26 Nov 2026 09:00:00 +0900",
		"Message-Id: <abc@example.jp>",
		"References: <r1@x> <r2@x> <r3@x>",
		"X-Priority: 1 (Highest)",
	} {
		if !strings.Contains(head, want) {
			t.Errorf("header lacks %q:\n%s", want, head)
		}
	}
	for _, bad := range []string{"Received", "X-Spam", "evil"} {
		if strings.Contains(head, bad) {
			t.Errorf("header holds %q:\n%s", bad, head)
		}
	}
	if rep.MessageID != "<abc@example.jp>" {
		t.Errorf("report message id %q", rep.MessageID)
	}
}

func TestConcurrentUse(t *testing.T) {
	s := sanitize.New(sanitize.DefaultPolicy())
	msg := "Subject: x\nContent-Type: text/html; charset=utf-8\n\n<p>hello <a href=\"http://example.com\">x</a></p>\n"
	var want bytes.Buffer
	if _, err := s.Message(&want, strings.NewReader(msg)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				var out bytes.Buffer
				if _, err := s.Message(&out, strings.NewReader(msg)); err != nil || !bytes.Equal(out.Bytes(), want.Bytes()) {
					t.Errorf("concurrent run differs (err %v)", err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestValidate(t *testing.T) {
	p := sanitize.DefaultPolicy()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	p.Links = "clickable"
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "links") {
		t.Errorf("got %v", err)
	}
}

// TestTextThatIsAFile: whether a text part is a file of another format is
// decided on the text that would go out, after decoding and cleaning.
// A control character that hides a signature from the sniffer is removed
// by cleaning, so the file is caught then; and "MZ" alone, without the
// zeros of a DOS header, does not make a text an executable.
// TestStrayNULs: text from a buggy client with a few NUL bytes (about 1%)
// is kept, the NULs removed; text that is mostly NULs is a file.
func TestStrayNULs(t *testing.T) {
	pol := sanitize.DefaultPolicy()
	line := "お世話になっております。会議の資料をお送りします。ご確認ください。\n"
	body := strings.Repeat(line+"\x00", 20)
	out, _, err := sanitizeString(t, pol, "From: a@example.jp\nSubject: t\nContent-Type: text/plain; charset=utf-8\n\n"+body)
	if err != nil {
		t.Fatal(err)
	}
	texts, err := sanitizetest.Check([]byte(out), sanitizetest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(texts[0].Body, strings.Repeat(line, 20)) {
		t.Errorf("text with stray NULs not kept:\n%s", out)
	}
	out, _, err = sanitizeString(t, pol, "From: a@example.jp\nSubject: t\nContent-Type: text/plain; charset=utf-8\n\n"+strings.Repeat("ab\x00\x00", 200))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "abab") {
		t.Errorf("mostly NUL bytes kept as text:\n%s", out)
	}
}

func TestTextThatIsAFile(t *testing.T) {
	pol := sanitize.DefaultPolicy()
	head := "From: a@example.jp\nSubject: t\nContent-Type: text/plain; charset=utf-8\n\n"
	for _, tc := range []struct {
		name, body  string
		kept        bool   // the body comes out as text
		mustNotHave string // in any text of the output
	}{
		{"text beginning with MZ", "MZ-3の見積もりについてご連絡します。\n", true, ""},
		{"MZ with a control character", "M\x18Z000000000000000000000000000000000\n", true, ""},
		{"PDF behind a control character", "%\x01PDF-1.4\n1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n", false, "%PDF-"},
		{"bzip2 behind a control character", "B\x02Zh91AY&SY0000000000000000000000000000\n", false, "BZh91"},
		// Three or four letters of a binary format's magic are no file.
		{"FWS (Flash)", "FWS meeting notes: the agenda for Monday is attached below.\n", true, ""},
		{"CWS (Flash)", "CWS team: please review the budget before Friday.\n", true, ""},
		{"ZWS (Flash)", "ZWS-2 project minutes, second draft.\n", true, ""},
		{"MThd (MIDI)", "MThd is the first chunk of a MIDI file, as the spec says.\n", true, ""},
		{"wOFF (WOFF font)", "wOFF and wOF2 are web font formats; we use neither.\n", true, ""},
		{"8BPS (Photoshop)", "8BPS files come from Photoshop; please send a PDF instead.\n", true, ""},
		{".snd (audio)", ".snd files are old Sun audio; convert them to WAV please.\n", true, ""},
		{"LZIP", "LZIP compresses better than gzip for our backups.\n", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first, _, err := sanitizeString(t, pol, head+tc.body)
			if err != nil {
				t.Fatal(err)
			}
			texts, err := sanitizetest.Check([]byte(first), sanitizetest.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var all strings.Builder
			for _, p := range texts {
				all.WriteString(p.Body)
			}
			want := strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(tc.body, "\x18", ""), "\x01", ""))
			if got := strings.Contains(all.String(), want); got != tc.kept {
				t.Errorf("body kept as text = %v, want %v:\n%s", got, tc.kept, first)
			}
			if tc.mustNotHave != "" && strings.Contains(all.String(), tc.mustNotHave) {
				t.Errorf("output holds %q:\n%s", tc.mustNotHave, first)
			}
			// Sanitizing the output again decides the same way.
			second, _, err := sanitizeString(t, pol, first)
			if err != nil {
				t.Fatal(err)
			}
			t2, _ := sanitizetest.Check([]byte(second), sanitizetest.Options{})
			var all2 strings.Builder
			for _, p := range t2 {
				all2.WriteString(p.Body)
			}
			if got := strings.Contains(all2.String(), want); got != tc.kept {
				t.Errorf("second pass: body kept as text = %v, want %v:\n%s", got, tc.kept, second)
			}
		})
	}
}

// TestScriptsPolicy: scripts: drop removes a script attachment and names
// it as a script; scripts: text keeps it as a text attachment.
func TestScriptsPolicy(t *testing.T) {
	msg := "From: a@example.jp\nSubject: t\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nSee attached.\n" +
		"--b\nContent-Type: application/javascript; name=dropper.js\nContent-Disposition: attachment; filename=dropper.js\n\n" +
		"var s = new ActiveXObject(\"WScript.Shell\");\n--b--\n"
	for _, mode := range []sanitize.ScriptMode{sanitize.ScriptsDrop, sanitize.ScriptsText} {
		pol := sanitize.DefaultPolicy()
		pol.Scripts = mode
		out, _, err := sanitizeString(t, pol, msg)
		if err != nil {
			t.Fatal(err)
		}
		texts, err := sanitizetest.Check([]byte(out), sanitizetest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		kept := len(texts) == 2 && texts[1].Filename == "dropper.js.txt" && strings.Contains(texts[1].Body, "ActiveXObject")
		named := strings.Contains(texts[0].Body, "「dropper.js」(スクリプト (JavaScript)")
		if mode == sanitize.ScriptsDrop && (kept || !named || !strings.Contains(texts[0].Body, "スクリプトファイルは削除する設定です")) {
			t.Errorf("drop: %+v", texts)
		}
		if mode == sanitize.ScriptsText && !kept {
			t.Errorf("text: %+v", texts)
		}
	}
}

// TestStarOfficeIsNoArchive: a StarOffice document
// (application/vnd.stardivision.*) is named by its type in the notice,
// not as an archive because "stardivision" holds the letters "tar".
func TestStarOfficeIsNoArchive(t *testing.T) {
	pol := sanitize.DefaultPolicy()
	pol.Language = sanitize.English
	msg := "Subject: minutes\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nSee attached.\r\n" +
		"--b\r\nContent-Type: application/vnd.stardivision.writer; name=minutes.sdw\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\r\n--b--\r\n"
	out, _, err := sanitizeString(t, pol, msg)
	if err != nil {
		t.Fatal(err)
	}
	texts, _ := sanitizetest.Check([]byte(out), sanitizetest.Options{})
	body := texts[0].Body
	if !strings.Contains(body, `Attachment "minutes.sdw" (application/vnd.stardivision.writer, 32 bytes) was removed.`) {
		t.Errorf("notice:\n%s", body)
	}
}
