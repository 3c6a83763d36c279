package sanitize_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"

	"github.com/mugai/mugai/gateway"
	"github.com/mugai/mugai/internal/sanitizetest"
	"github.com/mugai/mugai/internal/testinput/pdftest"
	"github.com/mugai/mugai/sanitize"
)

// The adversarial regression suite: one hostile message per attack in
// testdata/attacks (or generated here when it would be too big to keep),
// each with its expected outcome in testdata/attacks/attacks.json. The
// SMTP smuggling transcripts of the same manifest are run by
// smtpd/attacks_test.go; scripts/attack-bounds.sh measures time and
// memory of every input with the built binary (docs/attacks.md).

var attacksDump = flag.String("attacks.dump", "", "write the generated attack inputs and an index.tsv of all attacks to this directory (for scripts/attack-bounds.sh), then skip the checks")

const attacksDir = "../testdata/attacks"

// attack is one entry of the manifest.
type attack struct {
	Name  string `json:"name"`
	Class string `json:"class"`
	Why   string `json:"why"`
	// Outcome is "sanitized" or "rejected".
	Outcome string `json:"outcome"`
	// Kind and Reason (a substring) of the RejectError, when rejected.
	Kind   string `json:"kind"`
	Reason string `json:"reason"`
	// Generate: the input is made by attackGenerators[Name], not read
	// from Name.eml.
	Generate bool `json:"generate"`
	// BoundsOnly: too heavy to run on every test run; measured by
	// scripts/attack-bounds.sh only.
	BoundsOnly bool `json:"bounds_only"`
	// Policy changes from DefaultPolicy: "images", "links".
	Policy map[string]string `json:"policy"`
	// Absent strings must not appear (compared case-insensitively) in the
	// raw output, any decoded text, decoded header or re-encoded image.
	Absent []string `json:"absent"`
	// Present strings must appear in some decoded text part.
	Present []string `json:"present"`
	// Notice strings must appear in the body part, which holds the notice.
	Notice []string `json:"notice"`
	// Dropped names parts (file name or archive entry) the report must
	// list as dropped.
	Dropped []string `json:"dropped"`
	// Header maps a top-level field to a substring of its decoded value.
	Header map[string]string `json:"header"`
}

type attackManifest struct {
	Messages []attack `json:"messages"`
	// SMTP holds the smuggling transcripts, checked by smtpd/attacks_test.go.
	SMTP json.RawMessage `json:"smtp"`
}

// alwaysAbsent can appear in no sanitized output of the suite: the test
// executable (its marker and the first base64 line of it), EICAR, and the
// attackers' URLs in clickable form (links are defanged by default).
var alwaysAbsent = []string{
	"EVIL-EXE-MARKER", "TVqQAAMAAAAEAAAA", `X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR`,
	"http://evil.example", "https://evil.example", "javascript:", "vbscript:",
}

func loadAttacks(t *testing.T) []attack {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(attacksDir, "attacks.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m attackManifest
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("attacks.json: %v", err)
	}
	return m.Messages
}

// input returns the raw message of an attack.
func (a *attack) input(t *testing.T) []byte {
	t.Helper()
	if a.Generate {
		gen, ok := attackGenerators[a.Name]
		if !ok {
			t.Fatalf("no generator for %q", a.Name)
		}
		return gen()
	}
	raw, err := os.ReadFile(filepath.Join(attacksDir, a.Name+".eml"))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func (a *attack) policy(t *testing.T) sanitize.Policy {
	t.Helper()
	p := sanitize.DefaultPolicy()
	for k, v := range a.Policy {
		switch k {
		case "images":
			p.Images = sanitize.ImageMode(v)
		case "links":
			p.Links = sanitize.LinkMode(v)
		default:
			t.Fatalf("unknown policy key %q", k)
		}
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAttacks(t *testing.T) {
	attacks := loadAttacks(t)
	if *attacksDump != "" {
		dumpAttacks(t, attacks, *attacksDump)
		return
	}
	seen := map[string]bool{}
	for _, a := range attacks {
		if seen[a.Name] {
			t.Fatalf("attack %q listed twice", a.Name)
		}
		seen[a.Name] = true
		t.Run(a.Name, func(t *testing.T) {
			if a.BoundsOnly {
				t.Skip("measured by scripts/attack-bounds.sh only")
			}
			raw := a.input(t)
			pol := a.policy(t)
			start := time.Now()
			var out bytes.Buffer
			rep, err := sanitize.New(pol).Message(&out, bytes.NewReader(raw))
			// A generous bound, race detector included: the 2 s target is
			// measured on the built binary by scripts/attack-bounds.sh.
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %v", d)
			}
			switch a.Outcome {
			case "rejected":
				checkRejected(t, a, pol, raw, out.Bytes(), rep, err)
			case "sanitized":
				if err != nil {
					t.Fatalf("want sanitized, got %v", err)
				}
				checkSanitized(t, a, pol, out.Bytes(), rep)
				// Determinism (DESIGN.md invariant 8).
				var again bytes.Buffer
				sanitize.New(pol).Message(&again, bytes.NewReader(raw))
				if !bytes.Equal(out.Bytes(), again.Bytes()) {
					t.Error("two runs gave different output")
				}
			default:
				t.Fatalf("unknown outcome %q", a.Outcome)
			}
		})
	}
	// Every input file is listed, so none is silently left out.
	files, _ := filepath.Glob(filepath.Join(attacksDir, "*.eml"))
	for _, f := range files {
		if name := strings.TrimSuffix(filepath.Base(f), ".eml"); !seen[name] {
			t.Errorf("%s is not in attacks.json", f)
		}
	}
}

func checkRejected(t *testing.T, a attack, pol sanitize.Policy, raw, out []byte, rep *sanitize.Report, err error) {
	t.Helper()
	var rej *sanitize.RejectError
	if !errors.As(err, &rej) {
		t.Fatalf("want a rejection (%s: %s), got err=%v", a.Kind, a.Reason, err)
	}
	if string(rej.Kind) != a.Kind || !strings.Contains(rej.Reason, a.Reason) {
		t.Errorf("rejected as %s %q, want %s containing %q", rej.Kind, rej.Reason, a.Kind, a.Reason)
	}
	if r := gateway.RejectionReply(rej); r.Code.Class() != 5 {
		t.Errorf("reply %s is not permanent", r)
	}
	if len(out) != 0 {
		t.Errorf("rejected, yet %d bytes were written", len(out))
	}
	if rep == nil || rep.Rejected == nil || string(rep.Rejected.Kind) != a.Kind {
		t.Errorf("report does not record the rejection: %+v", rep)
	}
	// With the notice outcomes the same message becomes a notice-only
	// message: it must be as safe as any other output.
	pol.Ambiguous, pol.OverLimit = sanitize.OutcomeNotice, sanitize.OutcomeNotice
	var notice bytes.Buffer
	rep, err = sanitize.New(pol).Message(&notice, bytes.NewReader(raw))
	var again *sanitize.RejectError
	if errors.As(err, &again) {
		// Nothing to keep the headers of (the top-level header itself
		// was over a limit): refused even under "notice".
		return
	}
	if err != nil {
		t.Fatalf("notice outcome: %v", err)
	}
	if !rep.Rejected.Replaced {
		t.Error("notice outcome: report does not say the content was replaced")
	}
	texts := checkOutput(t, a, pol, notice.Bytes())
	if len(texts) != 1 || !strings.Contains(texts[0].Body, "本文と添付をすべて削除しました") {
		t.Errorf("notice-only message:\n%+v", texts)
	}

	// Quarantined (the default with the vault on): without a kept
	// original it is refused as before; with one, the recipient gets a
	// quarantine notice, as safe as any other output, naming the vault id.
	pol.Ambiguous, pol.OverLimit = sanitize.OutcomeQuarantine, sanitize.OutcomeQuarantine
	var held bytes.Buffer
	if _, err := sanitize.New(pol).Message(&held, bytes.NewReader(raw)); !errors.As(err, &again) || held.Len() != 0 {
		t.Errorf("quarantine without a kept original: %v, %d bytes written", err, held.Len())
	}
	h := &sanitize.Held{ID: "7K3M-9QXA-2B4C-D5E6", Notice: "原本は 30 日間保管しています（受付番号 7K3M-9QXA-2B4C-D5E6）。",
		Sender: "attacker@example.net", Size: int64(len(raw))}
	rep, err = sanitize.New(pol).MessageWith(context.Background(), &held, bytes.NewReader(raw), sanitize.MessageOptions{Held: h})
	if err != nil {
		t.Fatalf("quarantine outcome: %v", err)
	}
	if rep.Verdict() != sanitize.VerdictQuarantined || string(rep.Rejected.Kind) != a.Kind {
		t.Errorf("quarantine outcome: report %+v", rep.Rejected)
	}
	texts = checkOutput(t, a, pol, held.Bytes())
	if len(texts) != 1 || !strings.Contains(texts[0].Body, "原本を隔離しました") || !strings.Contains(texts[0].Body, h.ID) {
		t.Errorf("quarantine notice:\n%+v", texts)
	}
}

func checkSanitized(t *testing.T, a attack, pol sanitize.Policy, out []byte, rep *sanitize.Report) {
	t.Helper()
	texts := checkOutput(t, a, pol, out)
	if len(texts) == 0 {
		t.Fatal("no text part")
	}
	all := ""
	for _, tx := range texts {
		all += tx.Body + "\n"
	}
	for _, s := range a.Present {
		if !strings.Contains(all, s) {
			t.Errorf("decoded text lacks %q:\n%s", s, all)
		}
	}
	for _, s := range a.Notice {
		if !strings.Contains(texts[0].Body, s) {
			t.Errorf("notice lacks %q:\n%s", s, texts[0].Body)
		}
	}
	for _, name := range a.Dropped {
		found := false
		for _, p := range rep.Parts {
			if (p.Filename == name || p.Entry == name) && p.Action == sanitize.ActionDropped {
				found = true
			}
		}
		if !found {
			t.Errorf("report does not list %q as dropped: %+v", name, rep.Parts)
		}
	}
	if len(a.Header) > 0 {
		h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(out)))
		if err != nil {
			t.Fatal(err)
		}
		for k, want := range a.Header {
			got, err := (&mime.WordDecoder{}).DecodeHeader(h.Get(k))
			if err != nil || !strings.Contains(got, want) {
				t.Errorf("%s: %q (%v), want it to contain %q", k, got, err, want)
			}
		}
	}
}

// checkOutput runs the invariant checker on a sanitized message and looks
// for the absent strings everywhere a recipient could find them.
func checkOutput(t *testing.T, a attack, pol sanitize.Policy, out []byte) []sanitizetest.Text {
	t.Helper()
	texts, err := sanitizetest.Check(out, sanitizetest.Options{AllowImages: pol.Images == sanitize.ImagesReencode})
	if err != nil {
		t.Fatalf("invariant broken: %v\n%s", err, out)
	}
	head, _, _ := bytes.Cut(out, []byte("\r\n\r\n"))
	for i, c := range head {
		if c >= 0x80 {
			t.Fatalf("8-bit byte in the header section at %d", i)
		}
	}
	// Where to look: the raw message, every decoded leaf (text, and
	// images re-encoded from pixels), and the decoded header fields.
	places := map[string]string{"raw output": string(out)}
	leaves, hdr := decodedLeaves(t, out)
	for i, l := range leaves {
		places[fmt.Sprintf("leaf %d", i+1)] = string(l)
	}
	places["decoded header"] = hdr
	for _, s := range append(append([]string(nil), alwaysAbsent...), a.Absent...) {
		for where, text := range places {
			if strings.Contains(strings.ToLower(text), strings.ToLower(s)) {
				t.Errorf("%q found in %s", s, where)
			}
		}
	}
	return texts
}

// decodedLeaves returns the decoded body of every leaf (images included)
// and the decoded top-level header fields, one per line.
func decodedLeaves(t *testing.T, out []byte) ([][]byte, string) {
	t.Helper()
	e, err := message.Read(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	var hdr strings.Builder
	fields := e.Header.Fields()
	for fields.Next() {
		v, err := (&mime.WordDecoder{}).DecodeHeader(fields.Value())
		if err != nil {
			v = fields.Value()
		}
		fmt.Fprintf(&hdr, "%s: %s\n", fields.Key(), v)
	}
	var leaves [][]byte
	err = e.Walk(func(path []int, part *message.Entity, err error) error {
		if err != nil || part.MultipartReader() != nil {
			return err
		}
		b, err := io.ReadAll(part.Body)
		leaves = append(leaves, b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return leaves, hdr.String()
}

// dumpAttacks writes the generated inputs and an index of every attack:
// name, class, expected outcome, images policy and input path, separated
// by tabs.
func dumpAttacks(t *testing.T, attacks []attack, dir string) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(attacksDir)
	if err != nil {
		t.Fatal(err)
	}
	var index strings.Builder
	for _, a := range attacks {
		path := filepath.Join(abs, a.Name+".eml")
		if a.Generate {
			path = filepath.Join(dir, a.Name+".eml")
			if err := os.WriteFile(path, a.input(t), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		images := a.Policy["images"]
		if images == "" {
			images = "drop"
		}
		fmt.Fprintf(&index, "%s\t%s\t%s\t%s\t%s\n", a.Name, a.Class, a.Outcome, images, path)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.tsv"), []byte(index.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// attackGenerators make the inputs that are too big to keep in the
// repository (over ~200 KB). Each is deterministic.
var attackGenerators = map[string]func() []byte{
	"nesting-10000": func() []byte {
		var b bytes.Buffer
		b.WriteString(attackHeader + "Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n")
		for i := 1; i < 10000; i++ {
			fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", i-1, i)
		}
		b.WriteString("--b9999\r\nContent-Type: text/plain\r\n\r\ndeep\r\n")
		for i := 9999; i >= 0; i-- {
			fmt.Fprintf(&b, "--b%d--\r\n", i)
		}
		return b.Bytes()
	},
	"parts-100000": func() []byte {
		return []byte(attackHeader + "Content-Type: multipart/mixed; boundary=\"p\"\r\n\r\n" +
			strings.Repeat("--p\r\n\r\nx\r\n", 100000) + "--p--\r\n")
	},
	"rfc822-nesting-10000": func() []byte {
		return []byte(attackHeader + strings.Repeat("Content-Type: message/rfc822\r\n\r\n", 10000) + "deep\r\n")
	},
	"header-line-megabytes": func() []byte {
		return []byte(strings.Replace(attackHeader, "Subject: generated", "Subject: "+strings.Repeat("A", 2<<20), 1) + "\r\nbody\r\n")
	},
	"header-folded-megabytes": func() []byte {
		return []byte(strings.Replace(attackHeader, "Subject: generated", "Subject: generated"+strings.Repeat("\r\n x", 500000), 1) + "\r\nbody\r\n")
	},
	"body-line-megabytes": func() []byte {
		return []byte(attackHeader + "Content-Type: text/plain\r\n\r\n" + strings.Repeat("A", 3<<20) + "\r\n")
	},
	"oversized-message": func() []byte {
		// Over the 50 MiB message limit, as one text part: the worst case
		// for memory, since text is decoded whole.
		line := "lorem ipsum dolor sit amet, consectetur adipiscing\r\n"
		return []byte(attackHeader + "Content-Type: text/plain; charset=us-ascii\r\n\r\n" + strings.Repeat(line, (60<<20)/len(line)))
	},
	"big-text-body": func() []byte {
		// 45 MB of Japanese and ASCII text: under every limit, so it is
		// sanitized; text is decoded and cleaned whole.
		line := "お世話になっております。 lorem ipsum dolor sit amet 0123456789\r\n"
		return []byte(attackHeader + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
			strings.Repeat(line, (45<<20)/len(line)))
	},
	"pdf-hyphen-lines": func() []byte {
		// Four PDFs whose page is 40,000 lines "ab-", the content stream
		// flate-compressed: each hyphen joins the next line to the one
		// before, so the page's text is one line of 80,000 letters.
		content := "BT /F1 12 Tf 14 TL 72 740 Td\n" + strings.Repeat("(ab-) Tj T*\n", 40000) + "ET"
		objs := pdftest.OnePage("")
		objs[3] = pdftest.Stream("/Filter /FlateDecode", pdftest.Flate([]byte(content)))
		pdf := pdftest.Write(pdftest.BinaryHeader, objs, pdftest.Trailer(objs, "/Root 1 0 R"))
		var b bytes.Buffer
		b.WriteString(attackHeader + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
			"--b\r\nContent-Type: text/plain\r\n\r\nFour reports attached.\r\n")
		for i := 1; i <= 4; i++ {
			fmt.Fprintf(&b, "--b\r\nContent-Type: application/pdf; name=\"hyphens-%d.pdf\"\r\n"+
				"Content-Disposition: attachment; filename=\"hyphens-%d.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", i, i)
			enc := base64.StdEncoding.EncodeToString(pdf)
			for len(enc) > 76 {
				b.WriteString(enc[:76] + "\r\n")
				enc = enc[76:]
			}
			b.WriteString(enc + "\r\n")
		}
		b.WriteString("--b--\r\n")
		return b.Bytes()
	},
	"links-dense-megabytes": func() []byte {
		// 7 MB of text that is nothing but addresses, nested and
		// adjacent, in every form the link scan changes: its work must
		// stay linear in the text.
		line := strings.Repeat(`http://a.example/x?u=https://b.example/ www.c.example \\d\e file:f A://A://`, 10) + "\r\n"
		return []byte(attackHeader + "Content-Type: text/plain; charset=us-ascii\r\n\r\n" + strings.Repeat(line, (7<<20)/len(line)))
	},
	"big-attachment": func() []byte {
		// 35 MB of pseudo-random bytes (xorshift, so the input is the same
		// every time) as a base64 attachment: it streams to the converter.
		data := make([]byte, 35<<20)
		x := uint64(88172645463325252)
		for i := range data {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			data[i] = byte(x)
		}
		var b bytes.Buffer
		b.WriteString(attackHeader + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee the file.\r\n" +
			"--b\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
		enc := base64.StdEncoding.EncodeToString(data)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n--b--\r\n")
		return b.Bytes()
	},
	"notice-amplification-ybegin": func() []byte {
		// 700,000 yEnc header lines (10 MB): each one a payload.
		return []byte(attackHeader + "Content-Type: text/plain; charset=us-ascii\r\n\r\n" + strings.Repeat("=ybegin name=\r\n", 700000))
	},
	"notice-amplification-gz": func() []byte {
		// The same lines, one in six with a one-digit name so that the
		// .gz (215 KB) stays under the compression ratio limit.
		var lines bytes.Buffer
		x := uint64(88172645463325252)
		for range 700000 {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			lines.WriteString("=ybegin name=")
			if (x>>8)%6 == 0 {
				fmt.Fprintf(&lines, "%x", x&15)
			}
			lines.WriteByte('\n')
		}
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		zw.Write(lines.Bytes())
		zw.Close()
		var b bytes.Buffer
		b.WriteString(attackHeader + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee the log.\r\n" +
			"--b\r\nContent-Type: application/gzip; name=\"lines.txt.gz\"\r\nContent-Disposition: attachment; filename=\"lines.txt.gz\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
		enc := base64.StdEncoding.EncodeToString(gz.Bytes())
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n--b--\r\n")
		return b.Bytes()
	},
}

const attackHeader = "From: attacker@example.net\r\nTo: soumu@city.example.lg.jp\r\nSubject: generated\r\nMIME-Version: 1.0\r\n"
