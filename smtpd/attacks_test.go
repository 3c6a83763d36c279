package smtpd_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/netip"
	"net/textproto"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mugai/mugai/gateway"
	"github.com/mugai/mugai/internal/sanitizetest"
	"github.com/mugai/mugai/sanitize"
	"github.com/mugai/mugai/smtpd"
)

// SMTP transcripts of the adversarial suite (testdata/attacks/smtp/*.txt,
// expectations in attacks.json). Each file is exactly what a client sends
// after the greeting, pipelined in one write. The smuggling ones: EHLO, a
// transaction whose data holds a fake end of data followed by a second,
// smuggled transaction, the real end, QUIT. The envelope ones (issue 19):
// addresses that carry another recipient, parameters or a source route,
// control characters, empty messages. XFORWARD and XCLIENT hidden in
// message text (issue 16) from a client allowed to send them: were they
// taken for commands, their replies would show. The relay runs the real sanitizer
// in front of a recording next hop; the test asserts the replies the
// client gets (so the smuggled commands were never answered as commands),
// that no second message ever reaches the next hop and that no command
// it receives names the attacker's domain.

const attacksDir = "../testdata/attacks"

// smtpAttack is one transcript and what must happen under each
// relay.bare_newlines mode.
type smtpAttack struct {
	Name      string       `json:"name"`
	Why       string       `json:"why"`
	Reject    smtpExpected `json:"reject"`
	Normalize smtpExpected `json:"normalize"`
}

type smtpExpected struct {
	// Replies are the reply codes after the greeting, in order.
	Replies []int `json:"replies"`
	// Delivered is how many messages the next hop receives.
	Delivered int `json:"delivered"`
	// Contains are strings every delivered message holds: the smuggled
	// commands, arrived as text of the first message.
	Contains []string `json:"contains"`
}

// The smuggled transaction's marks: its sender, recipient and subject.
const (
	smuggledFrom    = "mallory@evil.example"
	smuggledSubject = "smuggled"
)

func loadSMTPAttacks(t *testing.T) []smtpAttack {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(attacksDir, "attacks.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		SMTP []smtpAttack `json:"smtp"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("attacks.json: %v", err)
	}
	if len(m.SMTP) == 0 {
		t.Fatal("attacks.json lists no SMTP transcripts")
	}
	return m.SMTP
}

// sanitizeFilter is the relay's filter: the real sanitizer with the
// in-process converter, its rejections turned into replies as the
// gateway does.
func sanitizeFilter() smtpd.Filter {
	s := sanitize.New(sanitize.DefaultPolicy())
	return smtpd.FilterFunc(func(ctx context.Context, env *smtpd.Envelope, dst io.Writer, src *smtpd.Original) (smtpd.FilterResult, error) {
		_, err := s.MessageContext(ctx, dst, src.Reader())
		return smtpd.FilterResult{}, gateway.Rejection(err)
	})
}

func TestSMTPAttacks(t *testing.T) {
	attacks := loadSMTPAttacks(t)
	seen := map[string]bool{}
	for _, a := range attacks {
		seen[a.Name] = true
		transcript, err := os.ReadFile(filepath.Join(attacksDir, "smtp", a.Name+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		for _, mode := range []struct {
			name string
			mode smtpd.BareNewlines
			want smtpExpected
		}{
			{"reject", smtpd.BareReject, a.Reject},
			{"normalize", smtpd.BareNormalize, a.Normalize},
		} {
			t.Run(a.Name+"/"+mode.name, func(t *testing.T) {
				h := start(t, func(h *harness, cfg *smtpd.Config) {
					cfg.BareNewlines = mode.mode
					cfg.Router = h.routeWith(sanitizeFilter(), testHop(h.hop.Addr).Begin)
					cfg.Forwarders = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
				})
				got := runTranscript(t, h, transcript)
				if !slices.Equal(got, mode.want.Replies) {
					t.Errorf("replies %v, want %v", got, mode.want.Replies)
				}
				// The relay answers the end of data only after the next hop
				// did, so everything delivered is recorded by now.
				msgs := h.hop.Messages()
				if len(msgs) != mode.want.Delivered {
					t.Errorf("next hop got %d messages, want %d", len(msgs), mode.want.Delivered)
				}
				// Nothing of the attacker's reaches the next hop as a command:
				// no smuggled transaction, no smuggled recipient or parameter.
				for _, l := range h.hop.Commands() {
					if strings.Contains(l, "evil.example") {
						t.Errorf("next hop got the command %q", l)
					}
				}
				for i, m := range msgs {
					checkRelayed(t, i, m.From, m.Rcpts, m.Data)
					for _, c := range mode.want.Contains {
						if !strings.Contains(string(m.Data), c) {
							t.Errorf("message %d lacks %q:\n%s", i, c, m.Data)
						}
					}
				}
			})
		}
	}
	files, _ := filepath.Glob(filepath.Join(attacksDir, "smtp", "*.txt"))
	for _, f := range files {
		if name := strings.TrimSuffix(filepath.Base(f), ".txt"); !seen[name] {
			t.Errorf("%s is not in attacks.json", f)
		}
	}
}

// runTranscript sends the transcript in one write and returns the codes of
// every reply after the greeting, until the server closes the connection.
func runTranscript(t *testing.T, h *harness, transcript []byte) []int {
	t.Helper()
	c, code, msg := h.dial()
	if code != 220 {
		t.Fatalf("greeting %d %s", code, msg)
	}
	c.raw(string(transcript))
	var codes []int
	for len(codes) < 50 {
		code, _ := c.reply()
		if code == 0 {
			break // closed (after QUIT, or hung up)
		}
		codes = append(codes, code)
		if code == 221 {
			break
		}
	}
	return codes
}

// checkRelayed: a message the next hop got is the first transaction's,
// sanitized; nothing of the smuggled transaction is a message of its own.
func checkRelayed(t *testing.T, i int, from string, rcpts []string, data []byte) {
	t.Helper()
	if from != "alice@example.org" || !slices.Equal(rcpts, []string{"bob@example.jp"}) {
		t.Errorf("message %d: envelope %s -> %v", i, from, rcpts)
	}
	if _, err := sanitizetest.Check(data, sanitizetest.Options{AllowReceived: true, AllowAuthResults: true}); err != nil {
		t.Errorf("message %d: %v\n%s", i, err, data)
	}
	head, _, _ := bytes.Cut(data, []byte("\r\n\r\n"))
	hdr, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(append(head, "\r\n\r\n"...)))).ReadMIMEHeader()
	if err != nil {
		t.Fatalf("message %d: header: %v", i, err)
	}
	if s := hdr.Get("Subject"); strings.Contains(s, smuggledSubject) || strings.Contains(hdr.Get("From"), "ceo@") {
		t.Errorf("message %d is the smuggled one: From %q Subject %q", i, hdr.Get("From"), s)
	}
	if strings.Contains(string(head), smuggledFrom) {
		t.Errorf("message %d: smuggled sender in the header", i)
	}
}
