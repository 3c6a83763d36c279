package sanitize_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mugai/mugai/internal/sanitizetest"
	"github.com/mugai/mugai/sanitize"
	"github.com/mugai/mugai/sanitize/flatten"
)

// fakeConverter stands in for the sandbox in tests of what the sanitizer
// does with each kind of outcome.
type fakeConverter func(ctx context.Context, in flatten.Input, r io.Reader) (*flatten.Result, error)

func (f fakeConverter) Convert(ctx context.Context, in flatten.Input, r io.Reader, opt flatten.Options) (*flatten.Result, error) {
	return f(ctx, in, r)
}

const pdfMail = "From: a@example.jp\r\nTo: b@example.jp\r\nSubject: report\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
	"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee attached.\r\n" +
	"--b\r\nContent-Type: application/pdf; name=report.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKc2VjcmV0IGJ5dGVz\r\n--b--\r\n"

func sanitizeWith(t *testing.T, pol sanitize.Policy, c sanitize.Converter, msg string) (string, []sanitizetest.Text, *sanitize.Report) {
	t.Helper()
	var out bytes.Buffer
	rep, err := sanitize.New(pol, sanitize.WithConverter(c)).Message(&out, strings.NewReader(msg))
	if err != nil {
		t.Fatalf("sanitize: %v", err)
	}
	texts, err := sanitizetest.Check(out.Bytes(), sanitizetest.Options{AllowImages: pol.Images == sanitize.ImagesReencode})
	if err != nil {
		t.Fatalf("invariant broken: %v\n%s", err, out.String())
	}
	return out.String(), texts, rep
}

// A converter that hangs or crashes costs the attachment, not the
// message, and never lets the original through.
func TestConverterFailures(t *testing.T) {
	pol := sanitize.DefaultPolicy()
	pol.Limits.ConvertTime = 200 * time.Millisecond
	tests := []struct {
		name string
		conv fakeConverter
		want string
	}{
		{"hang", func(ctx context.Context, in flatten.Input, r io.Reader) (*flatten.Result, error) {
			<-ctx.Done() // an in-process converter that never finishes on its own
			return nil, ctx.Err()
		}, "変換に時間がかかりすぎました"},
		{"crash", func(ctx context.Context, in flatten.Input, r io.Reader) (*flatten.Result, error) {
			return &flatten.Result{Kind: flatten.KindPDF, Action: flatten.ActionDrop, Reason: flatten.ReasonCrash, Detail: "killed by SIGSEGV"}, nil
		}, "変換できませんでした"},
		{"reads nothing", func(ctx context.Context, in flatten.Input, r io.Reader) (*flatten.Result, error) {
			return &flatten.Result{Kind: flatten.KindPDF, Action: flatten.ActionDrop, Reason: flatten.ReasonEncrypted}, nil
		}, "パスワードで保護"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			out, texts, rep := sanitizeWith(t, pol, tt.conv, pdfMail)
			if time.Since(start) > 10*time.Second {
				t.Errorf("took %v", time.Since(start))
			}
			if !strings.Contains(texts[0].Body, tt.want) || !strings.Contains(texts[0].Body, "See attached.") {
				t.Errorf("body:\n%s", texts[0].Body)
			}
			if strings.Contains(out, "JVBERi0") || strings.Contains(out, "secret bytes") {
				t.Error("the original attachment survived")
			}
			// The hash covers the whole part even when the converter read
			// none of it.
			var found bool
			for _, p := range rep.Parts {
				if p.Filename == "report.pdf" {
					found = p.Size == 21 && p.SHA256 == "fcd5a7b82dd357e125d1f34c1bf2564dd0a7a6d2d73e5bd5ab8f823ca16eba1c" && p.Action == sanitize.ActionDropped
				}
			}
			if !found {
				t.Errorf("report: %+v", rep.Parts)
			}
		})
	}
}

func TestConvertedOutput(t *testing.T) {
	text := func(ctx context.Context, in flatten.Input, r io.Reader) (*flatten.Result, error) {
		io.ReadAll(r)
		return &flatten.Result{Kind: flatten.KindPDF, MediaType: "application/pdf", Action: flatten.ActionText,
			Text: "見積金額 ①100円 see https://evil.example/x\n", Removed: []string{"JavaScript"}}, nil
	}
	pol := sanitize.DefaultPolicy()
	_, texts, rep := sanitizeWith(t, pol, fakeConverter(text), pdfMail)
	if len(texts) != 2 || texts[1].Filename != "report.pdf.txt" || !strings.Contains(texts[1].Body, "見積金額 ①100円 see hxxps://evil[.]example/x") {
		t.Fatalf("texts: %+v", texts)
	}
	if !strings.Contains(texts[0].Body, "「report.pdf.txt」として添付しました。（JavaScript を削除）") {
		t.Errorf("notice:\n%s", texts[0].Body)
	}
	if rep.Parts[2].Action != sanitize.ActionConverted || rep.Parts[2].Removed[0] != "JavaScript" {
		t.Errorf("report: %+v", rep.Parts[2])
	}

	pol.Flatten = sanitize.FlattenInline
	pol.Language = sanitize.English
	_, texts, _ = sanitizeWith(t, pol, fakeConverter(text), pdfMail)
	if len(texts) != 1 || !strings.Contains(texts[0].Body, "==== Text of attachment \"report.pdf\" ====\n見積金額") {
		t.Errorf("inline:\n%s", texts[0].Body)
	}
}

func TestArchiveMembersOutput(t *testing.T) {
	conv := func(ctx context.Context, in flatten.Input, r io.Reader) (*flatten.Result, error) {
		return &flatten.Result{Kind: flatten.KindZIP, MediaType: "application/zip", Action: flatten.ActionContainer, Entries: []flatten.Entry{
			{Path: "docs/a.pdf", Size: 10, SHA256: "aa", Result: &flatten.Result{Kind: flatten.KindPDF, MediaType: "application/pdf", Action: flatten.ActionText, Text: "member text"}},
			{Path: "run.exe", Size: 20, SHA256: "bb", Result: &flatten.Result{Kind: flatten.KindExecutable, MediaType: "application/x-executable", Action: flatten.ActionDrop, Reason: flatten.ReasonUnsupported}},
			{Path: "secret.docx", Size: 30, Result: &flatten.Result{Action: flatten.ActionDrop, Reason: flatten.ReasonEncrypted}},
		}}, nil
	}
	_, texts, rep := sanitizeWith(t, sanitize.DefaultPolicy(), fakeConverter(conv), pdfMail)
	if len(texts) != 2 || texts[1].Filename != "report.pdf - docs - a.pdf.txt" || texts[1].Body != "member text" {
		t.Fatalf("texts: %+v", texts)
	}
	for _, want := range []string{"「report.pdf」", "を展開しました（3 件）", "「report.pdf/docs/a.pdf」", "「report.pdf/run.exe」", "「report.pdf/secret.docx」", "パスワードで保護"} {
		if !strings.Contains(texts[0].Body, want) {
			t.Errorf("notice lacks %q:\n%s", want, texts[0].Body)
		}
	}
	var entries []string
	for _, p := range rep.Parts {
		if p.Entry != "" {
			entries = append(entries, p.Entry+"="+string(p.Action))
		}
	}
	if strings.Join(entries, ",") != "docs/a.pdf=converted,run.exe=dropped,secret.docx=dropped" {
		t.Errorf("report entries %v", entries)
	}
}

func TestReencodedImageOutput(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 3, 2))); err != nil {
		t.Fatal(err)
	}
	pngData := buf.Bytes()
	conv := func(ctx context.Context, in flatten.Input, r io.Reader) (*flatten.Result, error) {
		return &flatten.Result{Kind: flatten.KindGIF, MediaType: "image/gif", Action: flatten.ActionImage, Image: pngData, ImageType: "image/png"}, nil
	}
	pol := sanitize.DefaultPolicy()
	pol.Images = sanitize.ImagesReencode
	out, texts, _ := sanitizeWith(t, pol, fakeConverter(conv), pdfMail)
	if !strings.Contains(out, "Content-Type: image/png; name=report.pdf.png") || !strings.Contains(texts[0].Body, "画素から描き直し") {
		t.Errorf("output:\n%s", out)
	}
}

// A subverted converter (the reason conversions run in a sandbox) must
// not be able to pass anything through: its results are checked as if
// they came from the sender.
func TestSubvertedConverter(t *testing.T) {
	exe := append([]byte("MZ\x90\x00"), bytes.Repeat([]byte{0xcc}, 300)...)
	goodPNG := func() []byte {
		// A real 1×1 PNG as imagesafe writes it, then tampered below.
		return []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc`\x00\x00\x00\x00\x02\x00\x01H\xaf\xa4q\x00\x00\x00\x00IEND\xaeB`\x82")
	}
	tests := []struct {
		name string
		res  *flatten.Result
	}{
		{"executable labelled as a PNG", &flatten.Result{Action: flatten.ActionImage, Image: exe, ImageType: "image/png"}},
		{"PNG with a payload after IEND", &flatten.Result{Action: flatten.ActionImage, Image: append(goodPNG(), exe...), ImageType: "image/png"}},
		{"PNG with a text chunk", &flatten.Result{Action: flatten.ActionImage, ImageType: "image/png",
			Image: bytes.Replace(goodPNG(), []byte("\x00\x00\x00\x00IEND"), []byte("\x00\x00\x00\x04tEXtevil\x00\x00\x00\x00\x00\x00\x00\x00IEND"), 1)}},
		{"unknown action", &flatten.Result{Action: "passthrough", Text: string(exe)}},
	}
	pol := sanitize.DefaultPolicy()
	pol.Images = sanitize.ImagesReencode
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conv := func(ctx context.Context, in flatten.Input, r io.Reader) (*flatten.Result, error) { return tt.res, nil }
			out, texts, rep := sanitizeWith(t, pol, fakeConverter(conv), pdfMail)
			if strings.Contains(out, "image/png") || bytes.Contains([]byte(out), exe[:8]) {
				t.Errorf("converter result passed through:\n%s", out)
			}
			if rep.Parts[2].Action != sanitize.ActionDropped || !strings.Contains(texts[0].Body, "変換できませんでした") {
				t.Errorf("report %+v\n%s", rep.Parts[2], texts[0].Body)
			}
		})
	}
	t.Run("hostile names", func(t *testing.T) {
		conv := func(ctx context.Context, in flatten.Input, r io.Reader) (*flatten.Result, error) {
			return &flatten.Result{Action: flatten.ActionContainer, MediaType: "application/zip\r\nX-Evil: 1", Entries: []flatten.Entry{
				{Path: "../../evil\u202etxt.exe\r\nX-Injected: 1", SHA256: "not hex", Result: &flatten.Result{Action: flatten.ActionText, Text: "ok", Removed: []string{"macro\nBcc: x"}}},
			}}, nil
		}
		out, texts, _ := sanitizeWith(t, sanitize.DefaultPolicy(), fakeConverter(conv), pdfMail)
		for _, line := range strings.Split(out, "\r\n") {
			if strings.HasPrefix(line, "X-Injected") || strings.HasPrefix(line, "X-Evil") || strings.HasPrefix(line, "Bcc") {
				t.Errorf("a converter's string became a header line: %q", line)
			}
		}
		for _, bad := range []string{"\u202e", "../", "X-Evil", "\nBcc"} {
			if strings.Contains(texts[0].Body, bad) {
				t.Errorf("notice holds %q:\n%s", bad, texts[0].Body)
			}
		}
	})
}

// Slow conversions cost attachments, not the message: conversions that
// would not end before the message's deadline are skipped, each named in
// the notice, and the message goes through.
func TestConversionsFitTheMessageDeadline(t *testing.T) {
	var parts strings.Builder
	for i := 0; i < 6; i++ {
		fmt.Fprintf(&parts, "--b\r\nContent-Type: application/pdf; name=r%d.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n", i)
	}
	msg := "Subject: many\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nbody\r\n" + parts.String() + "--b--\r\n"
	slow := func(ctx context.Context, in flatten.Input, r io.Reader) (*flatten.Result, error) {
		select {
		case <-time.After(800 * time.Millisecond):
			return &flatten.Result{Kind: flatten.KindPDF, MediaType: "application/pdf", Action: flatten.ActionText, Text: "converted " + in.Name}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	pol := sanitize.DefaultPolicy()
	pol.Limits.Time = 4 * time.Second
	start := time.Now()
	_, texts, rep := sanitizeWith(t, pol, fakeConverter(slow), msg)
	if time.Since(start) > 10*time.Second {
		t.Errorf("took %v", time.Since(start))
	}
	converted, skipped := 0, 0
	for _, p := range rep.Parts {
		switch {
		case p.Action == sanitize.ActionConverted:
			converted++
		case p.Action == sanitize.ActionDropped && p.Cause == sanitize.CauseTimeout:
			skipped++
		}
	}
	if converted == 0 || skipped == 0 || converted+skipped != 6 || !strings.Contains(texts[0].Body, "body") {
		t.Errorf("converted %d, skipped %d:\n%s", converted, skipped, texts[0].Body)
	}
}

// A text part over limits.text_size is not decoded in the gateway's
// memory: it goes to the converter like an attachment and comes back as
// text, with its declared charset honoured.
func TestLongTextGoesToTheConverter(t *testing.T) {
	body := strings.Repeat("\xb0\xec\xb9\xd4\xa4\xce\xcb\xdc\xca\xb8\xa4\xc7\xa4\xb9\xa1\xa3\n", 200) // 一行の本文です。 in EUC-JP
	msg := "Subject: long\r\nContent-Type: text/plain; charset=euc-jp\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body
	pol := sanitize.DefaultPolicy()
	pol.Limits.TextBytes = 1024
	_, texts, rep := sanitizeWith(t, pol, sanitize.InProcessConverter{}, msg)
	if len(texts) != 2 || !strings.HasPrefix(texts[1].Body, "一行の本文です。\n一行の本文です。") {
		t.Fatalf("texts: %d %.80q", len(texts), texts)
	}
	if rep.Parts[0].Action != sanitize.ActionConverted {
		t.Errorf("report: %+v", rep.Parts[0])
	}
}

// A converter that stops before it reports a kind (a timeout or crash in
// the sandbox, which then knows nothing of the file) still gets the file
// named by its type, sniffed from its first bytes (issue 11): "PDF", not
// application/octet-stream.
func TestUnfinishedConversionKeepsSniffedType(t *testing.T) {
	for _, reason := range []string{flatten.ReasonTimeout, flatten.ReasonCrash, flatten.ReasonLimit} {
		stopped := func(ctx context.Context, in flatten.Input, r io.Reader) (*flatten.Result, error) {
			io.Copy(io.Discard, r)
			return &flatten.Result{Kind: flatten.KindUnknown, Action: flatten.ActionDrop, Reason: reason, Detail: "stopped"}, nil
		}
		_, texts, rep := sanitizeWith(t, sanitize.DefaultPolicy(), fakeConverter(stopped), pdfMail)
		p := rep.Parts[len(rep.Parts)-1]
		if p.SniffedType != "application/pdf" || !strings.Contains(texts[0].Body, "PDF") {
			t.Errorf("%s: sniffed type %q\n%s", reason, p.SniffedType, texts[0].Body)
		}
	}
}
