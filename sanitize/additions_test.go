package sanitize_test

import (
	"bufio"
	"bytes"
	"context"
	"mime"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-message/textproto"

	"github.com/mugai/mugai/internal/sanitizetest"
	"github.com/mugai/mugai/sanitize"
)

// withAdditions sanitizes msg with add; it returns the output, the
// authors the sanitizer reported, and the report.
func withAdditions(t *testing.T, pol sanitize.Policy, msg string, add sanitize.Additions) (string, []string, *sanitize.Report) {
	t.Helper()
	var out bytes.Buffer
	var authors []string
	calls := 0
	rep, err := sanitize.New(pol).MessageWith(context.Background(), &out, strings.NewReader(msg), sanitize.MessageOptions{
		Additions: func(a []string) sanitize.Additions {
			calls++
			authors = a
			return add
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Errorf("Additions called %d times, want once", calls)
	}
	if _, err := sanitizetest.Check(out.Bytes(), sanitizetest.Options{AllowAuthResults: true, ExtraHeaders: append(pol.ExtraHeaders, "X-Mugai-Note")}); err != nil {
		t.Errorf("invariant broken: %v\n%s", err, out.String())
	}
	return out.String(), authors, rep
}

func header(t *testing.T, out string) textproto.Header {
	t.Helper()
	h, err := textproto.ReadHeader(bufioReader(out))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func decodedSubject(t *testing.T, h textproto.Header) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAdditions(t *testing.T) {
	pol := sanitize.DefaultPolicy()
	// The upstream's results are never copied, not even when an admin
	// names the field as an extra header.
	pol.ExtraHeaders = []string{"Authentication-Results", "X-Spam-Flag"}
	msg := "Authentication-Results: mx.example.jp; dmarc=pass header.from=example.jp\r\n" +
		"From: =?UTF-8?B?5bGx55Sw?= <yamada@example.jp>\r\nTo: soumu@city.example.lg.jp\r\n" +
		"Subject: Re: [外部] 見積書\r\nX-Spam-Flag: NO\r\n\r\nよろしくお願いします。\r\n"
	add := sanitize.Additions{
		Fields: []sanitize.Field{
			{Name: "Authentication-Results", Value: "gw.example.lg.jp; spf=pass smtp.mailfrom=example.jp; dkim=none; dmarc=fail header.from=example.jp"},
			{Name: "X-Injected\r\nBcc", Value: "x"},        // not a field name: left out
			{Name: "Content-Type", Value: "text/html"},     // written by the sanitizer: left out
			{Name: "X-Mugai-Note", Value: "a\r\nBcc: x@y"}, // one line
		},
		Notice:      []string{"差出人のドメイン認証 (DMARC) に失敗しました。", "two\nlines"},
		SubjectTags: []string{"[なりすまし注意]", "[外部]", "[なりすまし注意]"},
	}
	out, authors, _ := withAdditions(t, pol, msg, add)
	if !slices.Equal(authors, []string{"yamada@example.jp"}) {
		t.Errorf("authors %q", authors)
	}
	h := header(t, out)
	ar := h.Values("Authentication-Results")
	if len(ar) != 1 || !strings.HasPrefix(ar[0], "gw.example.lg.jp; spf=pass") {
		t.Errorf("Authentication-Results %q, want ours alone", ar)
	}
	if !strings.HasPrefix(out, "Authentication-Results: gw.example.lg.jp;") {
		t.Errorf("the added field is not first:\n%.200s", out)
	}
	if h.Has("Bcc") || h.Get("Content-Type") == "text/html" || h.Get("X-Mugai-Note") != "a Bcc: x@y" {
		t.Errorf("added fields not checked: X-Mugai-Note %q\n%s", h.Get("X-Mugai-Note"), out)
	}
	if got := decodedSubject(t, h); got != "[なりすまし注意] Re: [外部] 見積書" {
		t.Errorf("Subject %q", got)
	}
	body := decodeBody(t, out)
	if !strings.Contains(body, "【無害化のお知らせ】このメールは境界の無害化処理を通過しました。\r\n・差出人のドメイン認証 (DMARC) に失敗しました。\r\n・two lines\r\n") {
		t.Errorf("notice lines missing or not first:\n%s", body)
	}

	// Without a Subject, the tags make one; without other changes the
	// notice holds the added lines alone.
	out, _, _ = withAdditions(t, sanitize.DefaultPolicy(), "From: a@example.jp\r\n\r\nhello\r\n",
		sanitize.Additions{Notice: []string{"note"}, SubjectTags: []string{"[外部]"}})
	if got := decodedSubject(t, header(t, out)); got != "[外部]" {
		t.Errorf("Subject of a message without one: %q", got)
	}
	if body := decodeBody(t, out); !strings.HasPrefix(body, "【無害化のお知らせ】このメールは境界の無害化処理を通過しました。\r\n・note\r\n") {
		t.Errorf("notice:\n%s", body)
	}

	// No additions: the output is what Message writes.
	var plain bytes.Buffer
	if _, err := sanitize.New(sanitize.DefaultPolicy()).Message(&plain, strings.NewReader(msg)); err != nil {
		t.Fatal(err)
	}
	if out, _, _ := withAdditions(t, sanitize.DefaultPolicy(), msg, sanitize.Additions{}); out != plain.String() {
		t.Errorf("empty additions changed the output:\n%s\nwant\n%s", out, plain.String())
	}
}

// TestAdditionsAuthors: the authors are the addresses the rebuilt From
// shows, also when the sanitizer salvages a From a strict parser refuses.
func TestAdditionsAuthors(t *testing.T) {
	for _, tc := range []struct {
		from string
		want []string
	}{
		{"From: a@example.jp, b@example.net\r\n", []string{"a@example.jp", "b@example.net"}},
		{"From: \"soumu@city.example.lg.jp\" <x@attacker.example>\r\n", []string{"x@attacker.example"}},
		{"From: Yamada <yamada@example.jp>, <broken@@x>\r\n", []string{"yamada@example.jp"}},
		{"", nil},
		{"From: undisclosed:;\r\n", nil},
	} {
		_, got, _ := withAdditions(t, sanitize.DefaultPolicy(), tc.from+"Subject: s\r\n\r\nbody\r\n", sanitize.Additions{})
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: authors %q, want %q", tc.from, got, tc.want)
		}
	}
}

// TestAdditionsNoticeOnly: a message replaced by a notice (over_limit:
// notice) gets the additions too.
func TestAdditionsNoticeOnly(t *testing.T) {
	pol := sanitize.DefaultPolicy()
	pol.OverLimit = sanitize.OutcomeNotice
	pol.Limits.Depth = 2
	out, authors, rep := withAdditions(t, pol, "From: a@example.jp\r\nSubject: deep\r\n"+strings.ReplaceAll(deepMessage(5), "Subject: deep\n", ""),
		sanitize.Additions{Fields: []sanitize.Field{{Name: "Authentication-Results", Value: "gw; none"}}, Notice: []string{"auth line"}, SubjectTags: []string{"[tag]"}})
	if rep.Rejected == nil || !rep.Rejected.Replaced {
		t.Fatalf("not replaced: %+v", rep.Rejected)
	}
	h := header(t, out)
	if h.Get("Authentication-Results") != "gw; none" || decodedSubject(t, h) != "[tag] deep" || !slices.Equal(authors, []string{"a@example.jp"}) {
		t.Errorf("header:\n%s", out)
	}
	if body := decodeBody(t, out); !strings.Contains(body, "・auth line\r\n") {
		t.Errorf("notice:\n%s", body)
	}
}

func bufioReader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }

// decodeBody returns the decoded text of the first leaf (the body).
func decodeBody(t *testing.T, out string) string {
	t.Helper()
	texts, err := sanitizetest.Check([]byte(out), sanitizetest.Options{AllowAuthResults: true, ExtraHeaders: []string{"X-Spam-Flag", "X-Mugai-Note"}})
	if err != nil || len(texts) == 0 {
		t.Fatalf("check: %v", err)
	}
	return strings.ReplaceAll(strings.ReplaceAll(texts[0].Body, "\r\n", "\n"), "\n", "\r\n")
}
