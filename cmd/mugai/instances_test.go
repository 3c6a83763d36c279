package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mugai/mugai/internal/pgtest"
	"github.com/mugai/mugai/internal/smtptest"
	"github.com/mugai/mugai/vault"
)

// TestServeTwoInstancesPostgres runs two `mugai serve` on one PostgreSQL
// vault, as behind one MX or load balancer: mail goes through each, each
// finds the other's entries, one releases what the other stored; then
// one is killed (SIGKILL) while both are under load, and every message
// that got a 250 — from either — has its original in the vault and its
// sanitized copy at the next hop.
func TestServeTwoInstancesPostgres(t *testing.T) {
	dsn := pgtest.Schema(t)
	hop := smtptest.NewServer(t, nil)
	inet := smtptest.NewServer(t, nil)
	dir := t.TempDir()
	identity := filepath.Join(dir, "identity.txt")
	recipients := filepath.Join(dir, "recipients.txt")
	if out, errOut, code := runBinary(t, nil, "vault", "keygen", "-o", identity, "-recipients", recipients); code != 0 {
		t.Fatalf("keygen: %s %s", out, errOut)
	}
	start := func(name string) (*gatewayProcess, string) {
		d := filepath.Join(dir, name)
		os.Mkdir(d, 0o700)
		cfg := filepath.Join(d, "mugai.yaml")
		writeConfig(t, cfg, hop.Addr, fmt.Sprintf(`vault:
  backend: postgres
  dsn: "%s"
  recipients_file: %s
  identity_file: %s
  release: {internet_relay: "%s", internet_tls: none, address: "{local}@inet.city.example.jp"}
console:
  link_key_file: %s
ppap:
  key_file: %s
`, dsn, recipients, identity, inet.Addr, filepath.Join(dir, "console-link.key"), filepath.Join(dir, "ppap.key")))
		return startGateway(t, d, "-config", cfg), cfg
	}
	a, cfgA := start("a")
	b, cfgB := start("b")

	msg := func(n int, via string) []byte {
		return []byte(fmt.Sprintf("From: yamada@example.jp\r\nTo: soumu@city.example.lg.jp\r\nSubject: load %d via %s\r\n"+
			"Message-ID: <load-%d@test.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"+
			"<p>message %d</p>\r\n", n, via, n, n))
	}
	send := func(addr string, m []byte) error {
		return smtp.SendMail(addr, nil, "yamada@example.jp", []string{"soumu@city.example.lg.jp"}, m)
	}
	if err := send(a.addr, msg(1, "a")); err != nil {
		t.Fatal(err)
	}
	if err := send(b.addr, msg(2, "b")); err != nil {
		t.Fatal(err)
	}
	// Search from either finds both.
	for _, cfg := range []string{cfgA, cfgB} {
		out, errOut, code := runBinary(t, nil, "vault", "list", "-config", cfg, "-subject", "load")
		if code != 0 || !strings.Contains(out, "load 1 via a") || !strings.Contains(out, "load 2 via b") {
			t.Errorf("list with %s: %d %s %s", cfg, code, out, errOut)
		}
	}
	// B releases what A stored: the Internet side gets the original.
	out, _, code := runBinary(t, nil, "vault", "list", "-config", cfgB, "-message-id", "load-1@test.example", "-json")
	id := jsonField(out, "id")
	if code != 0 || id == "" {
		t.Fatalf("list -json: %d %s", code, out)
	}
	if out, errOut, code := runBinary(t, nil, "vault", "release", "-config", cfgB, id); code != 0 {
		t.Fatalf("release from B: %d %s %s", code, out, errOut)
	}
	if got := inet.WaitMessages(1, 10*time.Second); len(got) != 1 || string(got[0].Data) != string(msg(1, "a")) {
		t.Fatalf("the Internet side got %d messages", len(got))
	}

	// Load on both; A is killed in the middle of it.
	var (
		mu    sync.Mutex
		acked = map[int][]byte{}
		next  = 100
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 6 {
		g := a
		if w%2 == 1 {
			g = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				mu.Lock()
				n := next
				next++
				mu.Unlock()
				m := msg(n, g.addr)
				if send(g.addr, m) == nil {
					mu.Lock()
					acked[n] = m
					mu.Unlock()
				} else if g == a {
					time.Sleep(20 * time.Millisecond) // A is gone
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	close(stop)
	wg.Wait()
	b.signal(t, 15)
	<-b.done

	v, err := vault.OpenPostgres(context.Background(), dsn, vault.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	ids, err := vault.LoadIdentities(identity)
	if err != nil {
		t.Fatal(err)
	}
	delivered := map[string]bool{}
	for _, m := range hop.Messages() {
		if i := strings.Index(string(m.Data), "Message-Id: <load-"); i >= 0 {
			delivered[strings.SplitN(string(m.Data[i+len("Message-Id: <"):]), ">", 2)[0]] = true
		}
		if i := strings.Index(string(m.Data), "Message-ID: <load-"); i >= 0 {
			delivered[strings.SplitN(string(m.Data[i+len("Message-ID: <"):]), ">", 2)[0]] = true
		}
	}
	if len(acked) < 20 {
		t.Fatalf("only %d messages acknowledged under load", len(acked))
	}
	t.Logf("%d messages acknowledged under load; A was killed", len(acked))
	for n, m := range acked {
		mid := fmt.Sprintf("load-%d@test.example", n)
		page, err := v.Search(context.Background(), vault.Query{MessageID: mid})
		if err != nil || len(page.Entries) == 0 {
			t.Errorf("message %d got 250 but is not in the vault (%v)", n, err)
			continue
		}
		rc, _, err := v.Original(context.Background(), page.Entries[0].ID, vault.Access{Actor: "test", Identities: ids})
		if err != nil {
			t.Errorf("message %d: %v", n, err)
			continue
		}
		orig, _ := io.ReadAll(rc)
		rc.Close()
		if string(orig) != string(m) {
			t.Errorf("message %d: the vault's original differs", n)
		}
		if !delivered[mid] {
			t.Errorf("message %d got 250 but is not at the next hop", n)
		}
	}
}

// jsonField finds "key": "value" in JSON output (the first).
func jsonField(s, key string) string {
	i := strings.Index(s, `"`+key+`": "`)
	if i < 0 {
		i = strings.Index(s, `"`+key+`":"`)
		if i < 0 {
			return ""
		}
		s = s[i+len(key)+4:]
	} else {
		s = s[i+len(key)+5:]
	}
	return strings.SplitN(s, `"`, 2)[0]
}
