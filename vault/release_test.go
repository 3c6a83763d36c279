package vault

import (
	"bytes"
	"context"
	"errors"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mugai/mugai/internal/smtptest"
)

// smtpSender sends with go-smtp's client, as the gateway's adapter of
// its delivery package does.
func smtpSender(addr string) Sender {
	return SenderFunc(func(ctx context.Context, m Mail) error {
		c, err := smtp.Dial(addr)
		if err != nil {
			return err
		}
		defer c.Close()
		if err := c.SendMail(m.From, m.To, m.Body); err != nil {
			return err
		}
		return c.Quit()
	})
}

func TestRelease(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p place) {
		k := newKeys(t)
		clk := newClock()
		v := p.open(t, Options{Recipients: k.rcp, Now: clk.Now})
		ctx := context.Background()
		inet := smtptest.NewServer(t, nil)
		lgwan := smtptest.NewServer(t, nil)
		msg := message("=?UTF-8?B?6KaL56mN5pu4?=", "<html>original, unsanitized</html>")
		env := envelope("Q1")
		env.Rcpts = []string{"soumu@city.example.lg.jp", "Keiri@city.example.lg.jp"}
		res := mustPut(t, v, env, msg)

		mapFile := filepath.Join(t.TempDir(), "map")
		os.WriteFile(mapFile, []byte("# LGWAN → Internet\nkeiri@city.example.lg.jp: kaikei@inet.example.jp\n"), 0o644)
		m, err := LoadAddressMap(mapFile)
		if err != nil {
			t.Fatal(err)
		}
		rl := &Releaser{Vault: v, Internet: smtpSender(inet.Addr),
			Addresses: AddressMap{Template: "{local}@inet.city.example.jp", Map: m}}
		req := ReleaseRequest{ID: res.ID, Target: TargetInternet, Access: Access{Actor: "cli:alice", Reason: "本人の依頼", Identities: k.ids}}

		// (a) To the Internet-side mailboxes: the original unchanged.
		out, err := rl.Release(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		got := inet.WaitMessages(1, 5*time.Second)
		if len(got) != 1 || !bytes.Equal(got[0].Data, msg) || got[0].From != "a@example.jp" ||
			strings.Join(got[0].Rcpts, ",") != "soumu@inet.city.example.jp,kaikei@inet.example.jp" {
			t.Fatalf("released to the Internet: %+v (result %+v)", got, out)
		}

		// (b) Into the LGWAN: denied by default.
		req.Target = TargetLGWAN
		if _, err := rl.Release(ctx, req); !errors.Is(err, ErrLGWANDenied) {
			t.Fatalf("LGWAN release without allow: %v", err)
		}
		// Allowed: the original with X-Mugai-Released on top.
		rl.LGWAN = smtpSender(lgwan.Addr)
		req.Recipients = []string{"KEIRI@city.example.lg.jp"}
		if _, err := rl.Release(ctx, req); err != nil {
			t.Fatal(err)
		}
		got = lgwan.WaitMessages(1, 5*time.Second)
		if len(got) != 1 || strings.Join(got[0].Rcpts, ",") != "Keiri@city.example.lg.jp" {
			t.Fatalf("released into the LGWAN: %+v", got)
		}
		head, rest, _ := bytes.Cut(got[0].Data, []byte("\r\nFrom: "))
		if !bytes.Equal(append([]byte("From: "), rest...), msg) {
			t.Errorf("the original after the header differs:\n%s", got[0].Data)
		}
		parsed, err := mail.ReadMessage(bytes.NewReader(got[0].Data))
		if err != nil {
			t.Fatal(err)
		}
		rel := parsed.Header.Get("X-Mugai-Released")
		dec, _ := new(mime.WordDecoder).DecodeHeader(rel)
		if !strings.Contains(dec, "by=cli:alice;") || !strings.Contains(dec, "at=2025-01-14T09:30:00Z;") ||
			!strings.Contains(dec, "vault="+res.ID+";") || !strings.Contains(dec, "reason=本人の依頼") {
			t.Errorf("X-Mugai-Released: %q (decoded %q)", rel, dec)
		}
		for _, l := range strings.Split(string(head), "\r\n") {
			if len(l) > 78 {
				t.Errorf("header line of %d characters: %q", len(l), l)
			}
		}

		// Only the message's own recipients.
		req.Recipients = []string{"someone@else.example"}
		if _, err := rl.Release(ctx, req); err == nil || !strings.Contains(err.Error(), "not a recipient") {
			t.Errorf("release to a stranger: %v", err)
		}
		req.Recipients = nil
		// A wrong key and a refusing next hop are recorded as failures.
		other := newKeys(t)
		req.Identities = other.ids
		if _, err := rl.Release(ctx, req); !errors.Is(err, ErrWrongKey) {
			t.Errorf("wrong key: %v", err)
		}
		req.Identities = k.ids
		lgwan.SetBehavior(smtptest.Behavior{DataReply: &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "no"}})
		if _, err := rl.Release(ctx, req); err == nil {
			t.Error("a refused release reported success")
		}
		// Without a mapping for a recipient there is no Internet release.
		rl.Addresses = AddressMap{Map: m}
		req.Target = TargetInternet
		if _, err := rl.Release(ctx, req); err == nil || !strings.Contains(err.Error(), "no Internet-side address for soumu@") {
			t.Errorf("unmapped recipient: %v", err)
		}

		if got := eventKinds(t, v, res.ID); got != "stored release release denied denied" {
			t.Errorf("events: %s", got)
		}
		var audit []string
		v.Audit(ctx, 1, func(r AuditRecord) error {
			if r.Action == AuditRelease {
				audit = append(audit, r.Detail)
			}
			return nil
		})
		if len(audit) != 4 || !strings.Contains(audit[0], "target=internet to=soumu@inet.city.example.jp,kaikei@inet.example.jp") ||
			!strings.Contains(audit[1], "target=lgwan") || !strings.Contains(audit[3], "failed") {
			t.Errorf("audit: %q", audit)
		}
	})
}

func TestAddressMap(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("a@x.jp b@y.jp\n\nonly-one@x.jp\n"), 0o644)
	if _, err := LoadAddressMap(bad); err == nil || !strings.Contains(err.Error(), "bad:3:") {
		t.Errorf("map error: %v", err)
	}
}
