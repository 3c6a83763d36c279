package sanitize_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mugai/mugai/internal/sanitizetest"
	"github.com/mugai/mugai/sanitize"
)

// TestQuarantineEntryPoint is the caller's quarantine (sender
// authentication's on_fail: quarantine): the message is read, its parts
// listed, and only the quarantine notice is written, with the caller's
// reason; without a kept original nothing is written.
func TestQuarantineEntryPoint(t *testing.T) {
	msg := "From: =?UTF-8?B?57eP5YuZ6Kqy?= <soumu@city.example.lg.jp.evil.example>\r\nTo: soumu@city.example.lg.jp\r\n" +
		"Subject: invoice\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/html\r\n\r\n<p>Pay <a href=\"https://evil.example/pay\">here</a></p>\r\n" +
		"--b\r\nContent-Type: application/pdf; name=invoice.pdf\r\n\r\n%PDF-1.4\r\n--b--\r\n"
	s := sanitize.New(sanitize.DefaultPolicy())
	why := sanitize.QuarantineReason{Kind: "auth", Text: "差出人のドメイン認証 (DMARC) に失敗しました。",
		Detail: "dmarc=fail header.from=city.example.lg.jp.evil.example"}
	var out bytes.Buffer
	if _, err := s.Quarantine(context.Background(), &out, strings.NewReader(msg), sanitize.MessageOptions{}, why); !errors.Is(err, sanitize.ErrNotHeld) || out.Len() != 0 {
		t.Fatalf("without a kept original: %v, %d bytes", err, out.Len())
	}
	h := &sanitize.Held{ID: "7K3M-9QXA-2B4C-D5E6", Notice: "原本は 30 日間保管しています（受付番号 7K3M-9QXA-2B4C-D5E6）。",
		Link: "https://gw.example.lg.jp:8025/r/TOKEN", Sender: "bounce@evil.example", Size: int64(len(msg))}
	rep, err := s.Quarantine(context.Background(), &out, strings.NewReader(msg), sanitize.MessageOptions{Held: h}, why)
	if err != nil {
		t.Fatal(err)
	}
	texts, err := sanitizetest.Check(out.Bytes(), sanitizetest.Options{})
	if err != nil {
		t.Fatalf("invariant broken: %v\n%s", err, out.String())
	}
	if len(texts) != 1 {
		t.Fatalf("%d parts, want the notice alone", len(texts))
	}
	body := texts[0].Body
	for _, want := range []string{"原本を隔離しました", "差出人: 総務課", "件名: invoice", "隔離した理由: 差出人のドメイン認証 (DMARC) に失敗しました。",
		"詳細 (英語): dmarc=fail", "「invoice.pdf」(PDF 文書", "受付番号 7K3M-9QXA-2B4C-D5E6", "https://gw.example.lg.jp:8025/r/TOKEN"} {
		if !strings.Contains(body, want) {
			t.Errorf("notice lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(out.String(), "evil.example/pay") || strings.Contains(body, "Pay") {
		t.Errorf("content of the held message crossed:\n%s", out.String())
	}
	if rep.Verdict() != sanitize.VerdictQuarantined || rep.Rejected.Kind != "auth" || rep.Rejected.Reason != why.Detail || len(rep.Parts) != 3 {
		t.Errorf("report: %+v %+v", rep.Rejected, rep.Parts)
	}
	if !bytes.Contains(out.Bytes(), []byte("X-Mugai-Sanitized: quarantined; reason=auth")) {
		t.Errorf("summary header:\n%s", out.String())
	}

	// A message that would fail closed anyway is quarantined for the
	// caller's reason; one whose header cannot be read names the
	// envelope sender as From.
	out.Reset()
	huge := "Subject: " + strings.Repeat("x", 300<<10) + "\r\n\r\nbody\r\n"
	rep, err = s.Quarantine(context.Background(), &out, strings.NewReader(huge), sanitize.MessageOptions{Held: h}, why)
	if err != nil {
		t.Fatal(err)
	}
	texts, err = sanitizetest.Check(out.Bytes(), sanitizetest.Options{})
	if err != nil || !strings.Contains(texts[0].Body, "件名: (読み取れません)") || !bytes.Contains(out.Bytes(), []byte("From: bounce@evil.example")) {
		t.Errorf("unreadable header: %v\n%s", err, out.String())
	}
	if rep.Rejected.Kind != "auth" {
		t.Errorf("report: %+v", rep.Rejected)
	}
}

func TestReadHeaders(t *testing.T) {
	msg := "From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.jp>\r\nTo: a@example.lg.jp, =?UTF-8?B?57eP5YuZ?= <soumu@example.lg.jp>\r\n" +
		"Subject: =?UTF-8?B?6KaL56mN5pu4?=\u202e\r\nMessage-ID: <abc@example.jp> <def@example.jp>\r\nDate: Tue, 14 Jan 2025 09:30:00 +0900 (JST)\r\n\r\nbody\r\n"
	got := sanitize.ReadHeaders(strings.NewReader(msg))
	want := sanitize.Headers{From: "山田 <yamada@example.jp>", To: "a@example.lg.jp, 総務 <soumu@example.lg.jp>", Subject: "見積書",
		MessageID: "<abc@example.jp>", Date: "Tue, 14 Jan 2025 09:30:00 +0900"}
	if got != want {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if got := sanitize.ReadHeaders(strings.NewReader("Subject: " + strings.Repeat("x", 300<<10) + "\r\n\r\n")); got != (sanitize.Headers{}) {
		t.Errorf("over the header limit: %+v", got)
	}
}

// TestAdditionsHold: additions that hold the message back (the relay:
// the From the rebuild shows failed the check) give the quarantine
// notice, with the additions' fields and tags, instead of the rebuild
// when the original is kept — and, when it is not, ErrNotHeld with
// nothing written.
func TestAdditionsHold(t *testing.T) {
	msg := "From: yamada@sender.jp\r\nTo: soumu@city.example.lg.jp\r\nSubject: invoice\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n振込先が変わりました。\r\n"
	why := &sanitize.QuarantineReason{Kind: sanitize.RejectAuth, Text: "差出人のドメイン認証 (DMARC) に失敗しました。", Detail: "dmarc=fail"}
	calls := 0
	opts := sanitize.MessageOptions{Additions: func([]string) sanitize.Additions {
		calls++
		return sanitize.Additions{Fields: []sanitize.Field{{Name: "Authentication-Results", Value: "gw.test; dmarc=fail"}},
			SubjectTags: []string{"[なりすまし注意]"}, Hold: why}
	}}
	s := sanitize.New(sanitize.DefaultPolicy())
	var out bytes.Buffer
	if _, err := s.MessageWith(context.Background(), &out, strings.NewReader(msg), opts); !errors.Is(err, sanitize.ErrNotHeld) || out.Len() != 0 {
		t.Fatalf("without a kept original: %v, %d bytes written", err, out.Len())
	}
	opts.Held = &sanitize.Held{ID: "7K3M-9QXA-2B4C-D5E6", Notice: "原本は保管しています（受付番号 7K3M-9QXA-2B4C-D5E6）。"}
	rep, err := s.MessageWith(context.Background(), &out, strings.NewReader(msg), opts)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("Additions called %d times over two messages", calls)
	}
	texts, err := sanitizetest.Check(out.Bytes(), sanitizetest.Options{AllowAuthResults: true})
	if err != nil || len(texts) != 1 {
		t.Fatalf("invariant broken or not the notice alone (%d parts): %v\n%s", len(texts), err, out.String())
	}
	for _, want := range []string{"原本を隔離しました", why.Text, "受付番号 7K3M-9QXA-2B4C-D5E6"} {
		if !strings.Contains(texts[0].Body, want) {
			t.Errorf("notice lacks %q:\n%s", want, texts[0].Body)
		}
	}
	if strings.Contains(texts[0].Body, "振込先") {
		t.Errorf("the held message's text crossed:\n%s", texts[0].Body)
	}
	h := header(t, out.String())
	if h.Get("Authentication-Results") != "gw.test; dmarc=fail" || !strings.HasPrefix(decodedSubject(t, h), "[なりすまし注意] ") {
		t.Errorf("additions lost: %q, %q", h.Get("Authentication-Results"), decodedSubject(t, h))
	}
	if rep.Verdict() != sanitize.VerdictQuarantined || rep.Rejected.Kind != sanitize.RejectAuth {
		t.Errorf("report: %+v", rep.Rejected)
	}
}

// TestHeldLinkOnlyExempt: the recipient page's link the caller gives
// (Held.Link) is the one address the output carries clickable; the
// sender's text naming the same console is defanged like any other, so
// a forged "recipient link" cannot ride along.
func TestHeldLinkOnlyExempt(t *testing.T) {
	msg := "From: a@example.jp\r\nTo: soumu@city.example.lg.jp\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"原本はこちら: https://gw.example.lg.jp:8025/r/FORGED\r\n"
	h := &sanitize.Held{ID: "7K3M-9QXA-2B4C-D5E6", Notice: "原本は保管しています。", Link: "https://gw.example.lg.jp:8025/r/TOKEN"}
	var out bytes.Buffer
	if _, err := sanitize.New(sanitize.DefaultPolicy()).MessageWith(context.Background(), &out, strings.NewReader(msg), sanitize.MessageOptions{Held: h}); err != nil {
		t.Fatal(err)
	}
	texts, err := sanitizetest.Check(out.Bytes(), sanitizetest.Options{})
	if err != nil || len(texts) != 1 {
		t.Fatalf("%v (%d parts)\n%s", err, len(texts), out.String())
	}
	body := texts[0].Body
	if !strings.Contains(body, h.Link) {
		t.Errorf("the recipient link is not in the notice:\n%s", body)
	}
	if strings.Contains(body, "https://gw.example.lg.jp:8025/r/FORGED") || !strings.Contains(body, "hxxps://gw[.]example[.]lg[.]jp:8025/r/FORGED") {
		t.Errorf("the sender's link to the console was not defanged:\n%s", body)
	}
}
