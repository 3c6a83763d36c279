package delivery

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mugai/mugai/internal/smtptest"
	"github.com/mugai/mugai/smtpd"
	"github.com/mugai/mugai/smtpd/reply"
)

const testMessage = "Subject: hi\r\n\r\nhello\r\n.leading dot\r\n"

func testEnv() *smtpd.Envelope {
	return &smtpd.Envelope{ID: "TESTID000001", From: "alice@example.org", Size: 1234}
}

func testHop(addr string) *NextHop {
	return &NextHop{
		Addr:           addr,
		HeloName:       "mugai.test",
		ConnectTimeout: time.Second,
		CommandTimeout: time.Second,
		DataTimeout:    time.Second,
	}
}

// send runs a whole transaction and returns Deliver's (or an earlier) error.
func send(t *testing.T, h *NextHop, rcpts []string, msg io.Reader) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d, err := h.Begin(ctx, testEnv())
	if err != nil {
		return err
	}
	defer d.Abort()
	for _, r := range rcpts {
		if err := d.AddRecipient(ctx, r); err != nil {
			return err
		}
	}
	return d.Deliver(ctx, msg)
}

// wantStatus checks that err carries the reply code and enhanced code.
func wantStatus(t *testing.T, err error, code int, enhanced [3]int) *reply.Reply {
	t.Helper()
	var e *reply.Reply
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *reply.Reply", err, err)
	}
	if int(e.Code) != code || e.EnhancedCode() != enhanced {
		t.Fatalf("reply %s, want %d %v (err: %v)", e, code, enhanced, err)
	}
	return e
}

func TestNextHopDelivers(t *testing.T) {
	srv := smtptest.NewServer(t, nil)
	if err := send(t, testHop(srv.Addr), []string{"bob@example.jp", "carol@example.jp"}, strings.NewReader(testMessage)); err != nil {
		t.Fatalf("send: %v", err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.Helo != "mugai.test" || m.From != "alice@example.org" || strings.Join(m.Rcpts, ",") != "bob@example.jp,carol@example.jp" {
		t.Errorf("envelope: helo %q from %q rcpts %v", m.Helo, m.From, m.Rcpts)
	}
	if string(m.Data) != testMessage {
		t.Errorf("data %q, want %q", m.Data, testMessage)
	}
	if m.Mail.Size != 1234 || m.Mail.Body != smtp.Body8BitMIME {
		t.Errorf("MAIL parameters: SIZE=%d BODY=%q", m.Mail.Size, m.Mail.Body)
	}
	if m.TLS {
		t.Error("TLS used in TLSNone mode")
	}
}

func TestNextHopReplies(t *testing.T) {
	rcptRefused := &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	tests := []struct {
		name     string
		behavior smtptest.Behavior
		code     int
		enhanced [3]int
	}{
		{"rcpt refused", smtptest.Behavior{RejectRcpt: map[string]*smtp.SMTPError{"bob@example.jp": rcptRefused}}, 550, [3]int{5, 1, 1}},
		{"rcpt 421 is not passed on as 421", smtptest.Behavior{RejectRcpt: map[string]*smtp.SMTPError{
			"bob@example.jp": {Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: "busy"}}}, 451, [3]int{4, 7, 0}},
		{"mail refused", smtptest.Behavior{RejectMail: &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 1, 8}, Message: "bad sender"}}, 553, [3]int{5, 1, 8}},
		{"data refused", smtptest.Behavior{DataReply: &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "policy"}}, 554, [3]int{5, 7, 1}},
		{"data tempfail", smtptest.Behavior{DataReply: &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1}, Message: "disk full"}}, 452, [3]int{4, 3, 1}},
		{"no enhanced code", smtptest.Behavior{DataReply: &smtp.SMTPError{Code: 554, EnhancedCode: smtp.NoEnhancedCode, Message: "nope"}}, 554, [3]int{5, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.NewServer(t, nil)
			srv.SetBehavior(tt.behavior)
			err := send(t, testHop(srv.Addr), []string{"bob@example.jp"}, strings.NewReader(testMessage))
			e := wantStatus(t, err, tt.code, tt.enhanced)
			if !strings.HasPrefix(e.Message, "next hop: ") {
				t.Errorf("message %q lacks the next hop prefix", e.Message)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("%d messages delivered", n)
			}
		})
	}
}

func TestNextHopOneRecipientRefused(t *testing.T) {
	srv := smtptest.NewServer(t, nil)
	srv.SetBehavior(smtptest.Behavior{RejectRcpt: map[string]*smtp.SMTPError{
		"bad@example.jp": {Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "unknown"}}})
	ctx := context.Background()
	d, err := testHop(srv.Addr).Begin(ctx, testEnv())
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, d.AddRecipient(ctx, "bad@example.jp"), 550, [3]int{5, 1, 1})
	if err := d.AddRecipient(ctx, "good@example.jp"); err != nil {
		t.Fatalf("second recipient: %v", err)
	}
	if err := d.Deliver(ctx, strings.NewReader(testMessage)); err != nil {
		t.Fatalf("deliver: %v", err)
	}
	d.Abort() // harmless after Deliver
	if m := srv.Messages(); len(m) != 1 || len(m[0].Rcpts) != 1 || m[0].Rcpts[0] != "good@example.jp" {
		t.Fatalf("messages %+v", m)
	}
}

func TestNextHopUnavailable(t *testing.T) {
	t.Run("down", func(t *testing.T) {
		err := send(t, testHop(smtptest.DownAddr(t)), []string{"bob@example.jp"}, strings.NewReader(testMessage))
		wantStatus(t, err, 451, [3]int{4, 4, 1})
	})
	t.Run("silent", func(t *testing.T) {
		start := time.Now()
		err := send(t, testHop(smtptest.SilentAddr(t)), []string{"bob@example.jp"}, strings.NewReader(testMessage))
		wantStatus(t, err, 451, [3]int{4, 4, 1})
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("took %v with a 1s command timeout", d)
		}
	})
	t.Run("hangs after data", func(t *testing.T) {
		srv := smtptest.NewServer(t, nil)
		srv.SetBehavior(smtptest.Behavior{HangData: true})
		start := time.Now()
		err := send(t, testHop(srv.Addr), []string{"bob@example.jp"}, strings.NewReader(testMessage))
		e := wantStatus(t, err, 451, [3]int{4, 4, 1})
		if !strings.Contains(e.Message, "may have been delivered") {
			t.Errorf("message %q", e.Message)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("took %v with a 1s data timeout", d)
		}
	})
	t.Run("context ends first", func(t *testing.T) {
		srv := smtptest.NewServer(t, nil)
		srv.SetBehavior(smtptest.Behavior{HangData: true})
		h := testHop(srv.Addr)
		h.DataTimeout = time.Minute
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		d, err := h.Begin(ctx, testEnv())
		if err != nil {
			t.Fatal(err)
		}
		if err := d.AddRecipient(ctx, "bob@example.jp"); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		wantStatus(t, d.Deliver(ctx, strings.NewReader(testMessage)), 451, [3]int{4, 4, 1})
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("Deliver took %v after its context ended", el)
		}
	})
}

// A message source that fails must not end in a delivered partial message.
func TestNextHopSourceErrorDoesNotDeliver(t *testing.T) {
	srv := smtptest.NewServer(t, nil)
	src := io.MultiReader(strings.NewReader("Subject: partial\r\n\r\nfirst half\r\n"), iotest.ErrReader(errors.New("disk error")))
	err := send(t, testHop(srv.Addr), []string{"bob@example.jp"}, src)
	wantStatus(t, err, 451, [3]int{4, 3, 0})
	time.Sleep(100 * time.Millisecond) // let the next hop notice the closed connection
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d messages delivered from a failed source", n)
	}
}

func TestNextHopAbort(t *testing.T) {
	srv := smtptest.NewServer(t, nil)
	ctx := context.Background()
	d, err := testHop(srv.Addr).Begin(ctx, testEnv())
	if err != nil {
		t.Fatal(err)
	}
	if err := d.AddRecipient(ctx, "bob@example.jp"); err != nil {
		t.Fatal(err)
	}
	d.Abort()
	d.Abort()
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d messages after Abort", n)
	}
	wantStatus(t, d.Deliver(ctx, strings.NewReader(testMessage)), 451, [3]int{4, 3, 0})
}

func TestNextHopSMTPUTF8(t *testing.T) {
	srv := smtptest.NewServer(t, nil)
	env := testEnv()
	env.From, env.SMTPUTF8 = "山田@example.jp", true
	ctx := context.Background()
	d, err := testHop(srv.Addr).Begin(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.AddRecipient(ctx, "鈴木@example.jp"); err != nil {
		t.Fatal(err)
	}
	if err := d.Deliver(ctx, strings.NewReader(testMessage)); err != nil {
		t.Fatal(err)
	}
	if m := srv.Messages(); len(m) != 1 || !m[0].Mail.UTF8 || m[0].From != env.From {
		t.Fatalf("messages %+v", m)
	}
}

func TestReplyErrorText(t *testing.T) {
	code, enh, msg := splitEnhanced(550, "5.1.1 no such user")
	if code != 550 || enh != [3]int{5, 1, 1} || msg != "no such user" {
		t.Errorf("splitEnhanced: %d %v %q", code, enh, msg)
	}
	if _, enh, msg := splitEnhanced(550, "no such user"); enh != [3]int{} || msg != "no such user" {
		t.Errorf("splitEnhanced without code: %v %q", enh, msg)
	}
	// A refusal during setup is about us, not the message: temporary.
	e := nextHopReply("greeting", true, 554, [3]int{5, 7, 1}, "go away", nil)
	if e.Code != 451 || e.EnhancedCode() != [3]int{4, 4, 1} || !strings.Contains(e.Message, "go away") {
		t.Errorf("setup refusal: %+v", e)
	}
	// An enhanced class that disagrees with the code is fixed.
	if e := nextHopReply("RCPT TO", false, 550, [3]int{4, 1, 1}, "x", nil); e.EnhancedCode() != [3]int{5, 1, 1} {
		t.Errorf("class fix: %+v", e)
	}
	if e := nextHopReply("RCPT TO", false, 354, [3]int{}, "x", nil); e.Code != 451 {
		t.Errorf("non-error code passed on: %+v", e)
	}
}
