package smtpd_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mugai/mugai/delivery"
	"github.com/mugai/mugai/smtpd"
)

func TestDeliversFilteredMessage(t *testing.T) {
	h := start(t, nil)
	c := h.session()
	code, msg := c.sendMail("alice@example.org", []string{"bob@example.jp"}, simpleBody)
	if code != 250 {
		t.Fatalf("end of data: %d %s", code, msg)
	}
	id := regexp.MustCompile(`queued as ([A-Z2-7]{12})$`).FindStringSubmatch(msg)
	if id == nil {
		t.Fatalf("250 reply %q lacks the queue id", msg)
	}
	msgs := h.hop.Messages()
	if len(msgs) != 1 {
		t.Fatalf("next hop got %d messages", len(msgs))
	}
	m := msgs[0]
	if m.From != "alice@example.org" || len(m.Rcpts) != 1 || m.Rcpts[0] != "bob@example.jp" {
		t.Errorf("envelope %q %v", m.From, m.Rcpts)
	}
	data := string(m.Data)
	// Our Received: header on top of the filter's output, with the id.
	re := regexp.MustCompile(`^Received: from client\.test \(\[127\.0\.0\.1\]\)\r\n` +
		`\tby mugai\.test \(mugai\) with ESMTP id ` + id[1] + `\r\n` +
		`\tfor <bob@example\.jp>; [A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}\r\n` +
		`X-Filtered: ` + id[1] + `\r\n`)
	if !re.MatchString(data) {
		t.Errorf("message does not start with our Received: and the filter's header:\n%s", data)
	}
	if !strings.HasSuffix(data, "\r\n\r\nHELLO WORLD\r\n") {
		t.Errorf("body not filtered:\n%q", data)
	}

	// One log line for the message, with what an operator needs.
	var line map[string]any
	for _, l := range strings.Split(h.logs.String(), "\n") {
		if strings.Contains(l, `"msg":"smtpd: message"`) {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatal(err)
			}
		}
	}
	if line == nil {
		t.Fatalf("no message log line in:\n%s", h.logs.String())
	}
	for k, want := range map[string]any{"id": id[1], "client": "127.0.0.1:", "from": "alice@example.org",
		"result": "delivered", "code": 250.0, "route": "default", "helo": "client.test"} {
		got := line[k]
		if s, ok := want.(string); ok && strings.HasSuffix(s, ":") {
			if gs, _ := got.(string); !strings.HasPrefix(gs, s) {
				t.Errorf("log %s = %v", k, got)
			}
			continue
		}
		if got != want {
			t.Errorf("log %s = %v, want %v", k, got, want)
		}
	}
	if line["bytes_in"].(float64) != float64(len(simpleBody)) || line["bytes_out"].(float64) <= 0 {
		t.Errorf("log bytes: in %v out %v", line["bytes_in"], line["bytes_out"])
	}
}

func TestRelayPolicy(t *testing.T) {
	h := start(t, nil)
	c := h.session()
	c.expect(250, "MAIL FROM:<alice@example.org>")
	if _, msg := c.cmd("RCPT TO:<mallory@evil.example>"); !strings.HasPrefix(msg, "5.7.1 ") {
		t.Errorf("foreign recipient: %s", msg)
	}
	c.expect(250, "RCPT TO:<Bob@EXAMPLE.JP.>") // case and one trailing dot do not matter
	c.expect(250, "RCPT TO:<carol@example.jp>")
	c.expect(354, "DATA")
	c.raw(simpleBody + ".\r\n")
	c.wantReply(250, "2.0.0")
	if m := h.hop.Messages(); len(m) != 1 || len(m[0].Rcpts) != 2 {
		t.Fatalf("messages %+v", m)
	}
}

func TestClientNetworkRefused(t *testing.T) {
	h := start(t, func(h *harness, cfg *smtpd.Config) {
		cfg.Networks = []netipPrefix{mustPrefix("192.0.2.0/24")}
	})
	c, code, msg := h.dial()
	if code != 554 || !strings.HasPrefix(msg, "5.7.1 ") {
		t.Fatalf("greeting %d %s, want 554 5.7.1", code, msg)
	}
	c.wantClosed()
}

func TestSizeLimit(t *testing.T) {
	h := start(t, func(h *harness, cfg *smtpd.Config) { cfg.MaxMessageBytes = 1000 })
	c := h.session()
	code, msg := c.cmd("MAIL FROM:<alice@example.org> SIZE=5000")
	if code != 552 || !strings.HasPrefix(msg, "5.3.4 ") {
		t.Fatalf("SIZE over the limit: %d %s", code, msg)
	}
	code, msg = c.sendMail("alice@example.org", []string{"bob@example.jp"}, simpleBody+strings.Repeat(strings.Repeat("x", 70)+"\r\n", 30))
	if code != 552 || !strings.HasPrefix(msg, "5.3.4 ") {
		t.Fatalf("oversize DATA: %d %s", code, msg)
	}
	// The session goes on, in step.
	if code, msg := c.sendMail("alice@example.org", []string{"bob@example.jp"}, simpleBody); code != 250 {
		t.Fatalf("next message: %d %s", code, msg)
	}
	if m := h.hop.Messages(); len(m) != 1 || strings.Contains(string(m[0].Data), "XXXX") {
		t.Fatalf("the oversize message got through: %d messages", len(m))
	}
}

func TestRecipientLimit(t *testing.T) {
	h := start(t, func(h *harness, cfg *smtpd.Config) { cfg.MaxRecipients = 2 })
	c := h.session()
	c.expect(250, "MAIL FROM:<alice@example.org>")
	c.expect(250, "RCPT TO:<a@example.jp>")
	c.expect(250, "RCPT TO:<b@example.jp>")
	if code, msg := c.cmd("RCPT TO:<c@example.jp>"); code != 452 || !strings.HasPrefix(msg, "4.5.3 ") {
		t.Fatalf("third recipient: %d %s", code, msg)
	}
}

func TestNextHopVerdictsPassedBack(t *testing.T) {
	h := start(t, nil)
	h.hop.SetBehavior(smtptestBehavior{RejectRcpt: map[string]*smtp.SMTPError{
		"nobody@example.jp": {Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "User unknown"}}})
	c := h.session()
	c.expect(250, "MAIL FROM:<alice@example.org>")
	if code, msg := c.cmd("RCPT TO:<nobody@example.jp>"); code != 550 || msg != "5.1.1 next hop: User unknown" {
		t.Fatalf("refused recipient: %d %s", code, msg)
	}
	c.expect(250, "RCPT TO:<bob@example.jp>")
	c.expect(354, "DATA")
	c.raw(simpleBody + ".\r\n")
	c.wantReply(250, "2.0.0")
	if m := h.hop.Messages(); len(m) != 1 || strings.Join(m[0].Rcpts, ",") != "bob@example.jp" {
		t.Fatalf("messages %+v", m)
	}

	for _, tt := range []struct {
		reply    *smtp.SMTPError
		code     int
		enhanced string
	}{
		{&smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Rejected by policy"}, 554, "5.7.1"},
		{&smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1}, Message: "Disk full"}, 452, "4.3.1"},
	} {
		h.hop.SetBehavior(smtptestBehavior{DataReply: tt.reply})
		code, msg := c.sendMail("alice@example.org", []string{"bob@example.jp"}, simpleBody)
		if code != tt.code || msg != tt.enhanced+" next hop: "+tt.reply.Message {
			t.Errorf("end of data with next hop %d: got %d %s", tt.reply.Code, code, msg)
		}
	}
	if n := len(h.hop.Messages()); n != 1 {
		t.Fatalf("%d messages at the next hop, want 1", n)
	}
}

func TestNextHopUnavailable(t *testing.T) {
	t.Run("down", func(t *testing.T) {
		h := start(t, func(h *harness, cfg *smtpd.Config) {
			cfg.Router = h.routeWith(upperFilter(), testHop(downAddr(t)).Begin)
		})
		c := h.session()
		c.expect(250, "MAIL FROM:<alice@example.org>")
		if code, msg := c.cmd("RCPT TO:<bob@example.jp>"); code != 451 || !strings.HasPrefix(msg, "4.4.1 ") {
			t.Fatalf("RCPT with the next hop down: %d %s", code, msg)
		}
	})
	t.Run("hangs after data", func(t *testing.T) {
		h := start(t, nil)
		h.hop.SetBehavior(smtptestBehavior{HangData: true})
		c := h.session()
		begin := time.Now()
		code, msg := c.sendMail("alice@example.org", []string{"bob@example.jp"}, simpleBody)
		if code != 451 || !strings.HasPrefix(msg, "4.4.1 ") {
			t.Fatalf("end of data with a hanging next hop: %d %s", code, msg)
		}
		if d := time.Since(begin); d > 4*time.Second {
			t.Errorf("reply after %v; the next hop's data timeout is 1s", d)
		}
	})
}

func TestFilterVerdicts(t *testing.T) {
	for _, tt := range []struct {
		name     string
		filter   smtpd.Filter
		code     int
		enhanced string
		text     string
	}{
		{"status error", rejectFilter(), 550, "5.6.0", "Ambiguous MIME structure"},
		{"panic", panicFilter(), 451, "4.3.0", "Internal error, try again later"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := start(t, func(h *harness, cfg *smtpd.Config) {
				cfg.Router = h.routeWith(tt.filter, testHop(h.hop.Addr).Begin)
			})
			c := h.session()
			code, msg := c.sendMail("alice@example.org", []string{"bob@example.jp"}, simpleBody)
			if code != tt.code || msg != tt.enhanced+" "+tt.text {
				t.Fatalf("got %d %s, want %d %s %s", code, msg, tt.code, tt.enhanced, tt.text)
			}
			c.expect(250, "NOOP") // the session survives
			time.Sleep(50 * time.Millisecond)
			if n := len(h.hop.Messages()); n != 0 {
				t.Fatalf("%d messages delivered", n)
			}
		})
	}
}

func TestRouteChangeNeedsNewTransaction(t *testing.T) {
	h := start(t, func(h *harness, cfg *smtpd.Config) {
		a := smtpd.Route{Name: "a", Filter: upperFilter(), Begin: testHop(h.hop.Addr).Begin}
		b := smtpd.Route{Name: "b", Filter: upperFilter(), Begin: testHop(h.hop.Addr).Begin}
		cfg.Router = smtpd.RouterFunc(func(env *smtpd.Envelope, rcpt string) (smtpd.Route, error) {
			if strings.HasSuffix(rcpt, "@b.example") {
				return b, nil
			}
			return a, nil
		})
	})
	c := h.session()
	c.expect(250, "MAIL FROM:<alice@example.org>")
	c.expect(250, "RCPT TO:<one@a.example>")
	if code, msg := c.cmd("RCPT TO:<two@b.example>"); code != 451 || !strings.HasPrefix(msg, "4.5.3 ") {
		t.Fatalf("recipient on another route: %d %s", code, msg)
	}
	c.expect(250, "RCPT TO:<three@a.example>")
	c.expect(354, "DATA")
	c.raw(simpleBody + ".\r\n")
	c.wantReply(250, "2.0.0")
	if code, msg := c.sendMail("alice@example.org", []string{"two@b.example"}, simpleBody); code != 250 {
		t.Fatalf("second transaction: %d %s", code, msg)
	}
	m := h.hop.Messages()
	if len(m) != 2 || strings.Join(m[0].Rcpts, ",") != "one@a.example,three@a.example" || m[1].Rcpts[0] != "two@b.example" {
		t.Fatalf("messages %+v", m)
	}
	// Several recipients: no "for" clause in Received:.
	if strings.Contains(strings.SplitN(string(m[0].Data), "X-Filtered", 2)[0], "for <") {
		t.Errorf("Received: names one of several recipients:\n%s", m[0].Data)
	}
}

func TestMaildirDelivery(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	h := start(t, func(h *harness, cfg *smtpd.Config) {
		md := &delivery.Maildir{Path: dir, Hostname: "mugai.test"}
		cfg.Router = h.routeWith(upperFilter(), md.Begin)
	})
	c := h.session()
	if code, msg := c.sendMail("alice@example.org", []string{"bob@example.jp"}, simpleBody); code != 250 {
		t.Fatalf("end of data: %d %s", code, msg)
	}
	files, _ := os.ReadDir(filepath.Join(dir, "new"))
	if len(files) != 1 {
		t.Fatalf("new/ holds %d files", len(files))
	}
	if tmp, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(tmp) != 0 {
		t.Fatalf("tmp/ holds %v", tmp)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "new", files[0].Name()))
	if !strings.HasPrefix(string(data), "Return-Path: <alice@example.org>\r\nReceived: from client.test") ||
		!strings.Contains(string(data), "HELLO WORLD") {
		t.Fatalf("maildir file:\n%s", data)
	}
}

func TestBDAT(t *testing.T) {
	h := start(t, nil)
	c := h.session()
	c.expect(250, "MAIL FROM:<alice@example.org>")
	c.expect(250, "RCPT TO:<bob@example.jp>")
	half := len(simpleBody) / 2
	c.raw("BDAT " + itoa(half) + "\r\n" + simpleBody[:half])
	c.wantReply(250, "2.0.0")
	c.raw("BDAT " + itoa(len(simpleBody)-half) + " LAST\r\n" + simpleBody[half:])
	c.wantReply(250, "2.0.0")

	// Bare line ends are refused in BDAT too: it has no dot-stuffing, but
	// the next hop may still read line ends differently.
	bad := "Subject: x\r\n\r\nbare\nLF\r\n"
	c.expect(250, "MAIL FROM:<alice@example.org>")
	c.expect(250, "RCPT TO:<bob@example.jp>")
	c.raw("BDAT " + itoa(len(bad)) + " LAST\r\n" + bad)
	c.wantReply(550, "5.6.0")
	c.expect(250, "NOOP")
	if m := h.hop.Messages(); len(m) != 1 || !strings.Contains(string(m[0].Data), "HELLO WORLD") {
		t.Fatalf("messages %+v", m)
	}
}

// A Router error that is not a Status must not leak its text.
func TestRouterErrorDoesNotLeak(t *testing.T) {
	h := start(t, func(h *harness, cfg *smtpd.Config) {
		cfg.Router = smtpd.RouterFunc(func(*smtpd.Envelope, string) (smtpd.Route, error) {
			return smtpd.Route{}, context.DeadlineExceeded
		})
	})
	c := h.session()
	c.expect(250, "MAIL FROM:<alice@example.org>")
	if code, msg := c.cmd("RCPT TO:<bob@example.jp>"); code != 451 || msg != "4.3.0 Internal error, try again later" {
		t.Fatalf("got %d %s", code, msg)
	}
}

func TestLargeMessageSpoolsToDisk(t *testing.T) {
	var spoolDir string
	h := start(t, func(h *harness, cfg *smtpd.Config) {
		cfg.SpoolMemoryBytes = 1024
		spoolDir = cfg.SpoolDir
	})
	line := strings.Repeat("abcdefghij", 7) + "\r\n"
	body := "Subject: big\r\n\r\n" + strings.Repeat(line, 3000) // ~216 KB
	c := h.session()
	if code, msg := c.sendMail("alice@example.org", []string{"bob@example.jp"}, body); code != 250 {
		t.Fatalf("end of data: %d %s", code, msg)
	}
	m := h.hop.Messages()
	if len(m) != 1 || !strings.HasSuffix(string(m[0].Data), "\r\n\r\n"+strings.ToUpper(strings.Repeat(line, 3000))) {
		t.Fatal("large message not delivered intact")
	}
	if entries, _ := os.ReadDir(spoolDir); len(entries) != 0 {
		t.Fatalf("spool files left behind: %v", entries)
	}
}

func TestSequenceErrors(t *testing.T) {
	h := start(t, nil)
	c := h.session()
	c.expect(250, "MAIL FROM:<alice@example.org>")
	if code, msg := c.cmd("MAIL FROM:<other@example.org>"); code != 503 {
		t.Fatalf("nested MAIL: %d %s", code, msg)
	}
	c.expect(250, "RSET")
	// A line longer than go-smtp's limit (2000) in DATA: refused, never
	// delivered in part.
	code, msg := c.sendMail("alice@example.org", []string{"bob@example.jp"}, "Subject: x\r\n\r\n"+strings.Repeat("x", 3000)+"\r\n")
	if code != 554 || !strings.HasPrefix(msg, "5.6.0 ") {
		t.Fatalf("long line: %d %s", code, msg)
	}
	if n := len(h.hop.Messages()); n != 0 {
		t.Fatalf("%d messages delivered", n)
	}
}
