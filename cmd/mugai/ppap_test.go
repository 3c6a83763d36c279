package main

import (
	"encoding/base64"
	"fmt"
	"net/smtp"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/mugai/mugai/internal/sanitizetest"
	"github.com/mugai/mugai/internal/smtptest"
	"github.com/mugai/mugai/internal/testinput/archivetest"
)

// ppapMail is a message with a zip attached, as PPAP's first mail.
func ppapMail(from, to, subject, msgID, text, zipName string, zip []byte) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: =?UTF-8?B?%s?=\r\nMessage-ID: %s\r\nDate: Mon, 7 Dec 2026 10:00:00 +0900\r\nMIME-Version: 1.0\r\n",
		from, to, base64.StdEncoding.EncodeToString([]byte(subject)), msgID)
	if zip == nil {
		fmt.Fprintf(&b, "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n",
			base64.StdEncoding.EncodeToString([]byte(text)))
		return []byte(b.String())
	}
	b.WriteString("Content-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	b.WriteString(base64.StdEncoding.EncodeToString([]byte(text)) + "\r\n--b1\r\n")
	fmt.Fprintf(&b, "Content-Type: application/zip; name=\"%s\"\r\nContent-Disposition: attachment; filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", zipName, zipName)
	enc := base64.StdEncoding.EncodeToString(zip)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--b1--\r\n")
	return []byte(b.String())
}

// TestServePPAPByMail is issue 21's end-to-end test: a zip made by
// `zip -P` sent through `mugai serve`, then its password mail; the next
// hop receives the first mail with a notice that the zip is held, the
// password mail with a notice that it may open it, and a third message
// with the zip's contents flattened, as a reply to the first.
func TestServePPAPByMail(t *testing.T) {
	zip := archivetest.InfoZip(t, "Xk7#pq29", archivetest.File{Name: "mitsumori.txt", Body: []byte("お見積り金額は 1,234,000 円です。ppap-e2e-contents\n")})
	next := smtptest.NewServer(t, nil)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "mugai.yaml")
	writeHTTPConfig(t, cfgPath, next.Addr, "")
	g, web := startHTTPGateway(t, dir, cfgPath)

	const from, to = "tanaka@sender.example.jp", "yamada@city.example.lg.jp"
	first := ppapMail(from, to, "見積書の送付", "<first.1@sender.example.jp>", "見積書を添付します。パスワードは別途お送りします。\r\n", "mitsumori.zip", zip)
	if err := smtp.SendMail(g.addr, nil, from, []string{to}, first); err != nil {
		t.Fatalf("first mail: %v", err)
	}
	id1 := vaultAttr.FindStringSubmatch(g.waitLog(t, "smtpd: message", 30*time.Second))
	if id1 == nil {
		t.Fatal("no vault id on the first mail's log line")
	}
	second := ppapMail(from, to, "パスワードのお知らせ", "<second.2@sender.example.jp>", "先ほどのファイルのパスワードです。\r\nパスワード：Xk7#pq29\r\n", "", nil)
	if err := smtp.SendMail(g.addr, nil, from, []string{to}, second); err != nil {
		t.Fatalf("password mail: %v", err)
	}
	id2 := vaultAttr.FindStringSubmatch(g.waitLog(t, "smtpd: message", 30*time.Second))
	if id2 == nil {
		t.Fatal("no vault id on the password mail's log line")
	}
	msgs := next.WaitMessages(3, 60*time.Second)
	if len(msgs) != 3 {
		t.Fatalf("the next hop has %d messages, want 3", len(msgs))
	}

	body1 := decodedBody(t, msgs[0].Data)
	for _, want := range []string{"パスワード付き ZIP「mitsumori.zip」は開封できるよう保管しています", "パスワードを書いたメールが届くと自動で開封", "/r/"} {
		if !strings.Contains(body1, want) {
			t.Errorf("the first mail's notice lacks %q:\n%s", want, body1)
		}
	}
	body2 := decodedBody(t, msgs[1].Data)
	for _, want := range []string{"パスワード：Xk7#pq29", "（受付番号 " + id1[1] + "）の ZIP「mitsumori.zip」を開封し"} {
		if !strings.Contains(body2, want) {
			t.Errorf("the password mail lacks %q:\n%s", want, body2)
		}
	}

	third := msgs[2]
	if third.From != from || len(third.Rcpts) != 1 || third.Rcpts[0] != to {
		t.Errorf("the contents went from %q to %q", third.From, third.Rcpts)
	}
	mr, err := mail.CreateReader(strings.NewReader(string(third.Data)))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := mr.Header.Subject()
	if subject != "Re: 見積書の送付" {
		t.Errorf("Subject %q", subject)
	}
	if irt := mr.Header.Get("In-Reply-To"); irt != "<first.1@sender.example.jp>" {
		t.Errorf("In-Reply-To %q", irt)
	}
	var all strings.Builder
	for _, tx := range checkedTexts(t, third.Data) {
		all.WriteString(tx.Filename + "\n" + tx.Body + "\n")
	}
	for _, want := range []string{"mitsumori.zip", "mitsumori.txt", "ppap-e2e-contents", "1,234,000",
		"「パスワードのお知らせ」（受付番号 " + id2[1] + "）に書かれていたパスワードで開封しました"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("the contents message lacks %q:\n%s", want, all.String())
		}
	}
	if strings.Contains(all.String(), "Xk7#pq29") {
		t.Error("the contents message shows the password")
	}
	g.waitLog(t, "ppap: contents delivered", 10*time.Second)
	_, scrape := httpGet(t, web+"/metrics")
	for series, want := range map[string]string{`mugai_ppap_archives_total{event="held"}`: "1",
		`mugai_ppap_archives_total{event="opened_mail"}`: "1", `mugai_ppap_archives_total{event="opened_page"}`: "0"} {
		if got := metricValue(scrape, series); got != want {
			t.Errorf("%s = %q, want %s", series, got, want)
		}
	}
}

// checkedTexts checks a sanitized message's invariants and returns its
// decoded texts.
func checkedTexts(t *testing.T, data []byte) []sanitizetest.Text {
	t.Helper()
	texts, err := sanitizetest.Check(data, sanitizetest.Options{AllowReceived: true})
	if err != nil {
		t.Fatalf("check: %v\n%s", err, data)
	}
	return texts
}
