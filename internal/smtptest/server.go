// Package smtptest provides what tests of mugai's SMTP hops need: a
// recording SMTP server to stand in for the next hop, listeners that are
// down or silent, and throwaway TLS certificates. It is for tests only;
// everything listens on 127.0.0.1.
package smtptest

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one message the Server accepted.
type Message struct {
	Helo  string
	From  string
	Rcpts []string
	Data  []byte // as received, dot-unstuffed, CRLF line ends
	TLS   bool
	// Mail is the MAIL command's options (SIZE, BODY, SMTPUTF8).
	Mail smtp.MailOptions
}

// Behavior tells the Server how to answer. The zero value accepts all.
type Behavior struct {
	// RejectRcpt answers RCPT for these recipients with the given reply.
	RejectRcpt map[string]*smtp.SMTPError
	// RejectMail answers MAIL with this reply.
	RejectMail *smtp.SMTPError
	// DataReply answers the end of data with this reply instead of 250.
	DataReply *smtp.SMTPError
	// HangData reads the message, then never answers (until Close).
	HangData bool
	// RefuseRepeatedHello answers a second HELO or EHLO on a connection
	// (before STARTTLS) with 503 5.5.1, as Python's smtpd does. RFC 5321
	// §4.1.4 allows a client to send EHLO again, but such servers exist.
	RefuseRepeatedHello bool
	// Delay holds back the greeting and the reply to every command line:
	// a slow next hop.
	Delay time.Duration
}

// Server is a go-smtp server that records the messages it accepts.
type Server struct {
	// Addr is the host:port it listens on.
	Addr string

	srv  *smtp.Server
	stop chan struct{}

	mu       sync.Mutex
	behavior Behavior
	messages []Message
	sessions int
	commands []string
	accepted int               // connections accepted
	open     map[net.Conn]bool // connections not yet closed
}

// NewServer starts a Server on 127.0.0.1; tlsConfig, when not nil,
// enables STARTTLS. It is closed when the test ends.
func NewServer(t testing.TB, tlsConfig *tls.Config) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	s := &Server{Addr: l.Addr().String(), stop: make(chan struct{})}
	s.srv = smtp.NewServer(smtp.BackendFunc(s.newSession))
	s.srv.Domain = "nexthop.test"
	s.srv.TLSConfig = tlsConfig
	s.srv.EnableSMTPUTF8 = true
	s.srv.MaxMessageBytes = 64 << 20
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	s.srv.ErrorLog = testLogger{t}
	go s.srv.Serve(recordListener{Listener: l, s: s})
	t.Cleanup(s.Close)
	return s
}

// Close stops the server and releases a hanging DATA.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	s.mu.Unlock()
	s.srv.Close()
}

// SetBehavior changes how the server answers from now on.
func (s *Server) SetBehavior(b Behavior) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.behavior = b
}

// Messages returns a copy of the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Sessions is the number of sessions (EHLOs after connect or STARTTLS).
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// Commands returns every command line received so far, on every
// connection, in order, without its CRLF: what the client sent outside
// message data, before any STARTTLS (after it the bytes are encrypted).
// Lines the server answered itself (RefuseRepeatedHello) are included.
func (s *Server) Commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.commands...)
}

// Connections is the number of connections accepted so far.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

// OpenConnections is the number of connections not closed yet.
func (s *Server) OpenConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.open)
}

// DropConnections closes every open connection without a word, as a next
// hop does with connections idle for longer than its timeout.
func (s *Server) DropConnections() {
	s.mu.Lock()
	conns := make([]net.Conn, 0, len(s.open))
	for c := range s.open {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// track adds c to the open connections, or removes it.
func (s *Server) track(c net.Conn, open bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open == nil {
		s.open = map[net.Conn]bool{}
	}
	if open {
		s.accepted++
		s.open[c] = true
	} else {
		delete(s.open, c)
	}
}

func (s *Server) record(line string) {
	s.mu.Lock()
	s.commands = append(s.commands, line)
	s.mu.Unlock()
}

func (s *Server) behaviorNow() Behavior {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.behavior
}

// sleep waits d, or until the server is closed (then false).
func (s *Server) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.stop:
		return false
	}
}

// WaitMessages waits up to timeout for at least n messages.
func (s *Server) WaitMessages(n int, timeout time.Duration) []Message {
	deadline := time.Now().Add(timeout)
	for {
		m := s.Messages()
		if len(m) >= n || time.Now().After(deadline) {
			return m
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	s.sessions++
	s.mu.Unlock()
	_, isTLS := c.TLSConnectionState()
	return &session{s: s, msg: Message{Helo: c.Hostname(), TLS: isTLS}}, nil
}

type session struct {
	s   *Server
	msg Message
}

func (se *session) Reset() {
	se.msg = Message{Helo: se.msg.Helo, TLS: se.msg.TLS}
}

func (se *session) Logout() error { return nil }

func (se *session) Mail(from string, opts *smtp.MailOptions) error {
	se.s.mu.Lock()
	b := se.s.behavior
	se.s.mu.Unlock()
	if b.RejectMail != nil {
		return b.RejectMail
	}
	se.msg.From = from
	if opts != nil {
		se.msg.Mail = *opts
	}
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.s.mu.Lock()
	b := se.s.behavior
	se.s.mu.Unlock()
	if r, ok := b.RejectRcpt[to]; ok {
		return r
	}
	se.msg.Rcpts = append(se.msg.Rcpts, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	se.s.mu.Lock()
	b := se.s.behavior
	se.s.mu.Unlock()
	if b.HangData {
		<-se.s.stop
		return errors.New("smtptest: closed while hanging")
	}
	if b.DataReply != nil {
		return b.DataReply
	}
	m := se.msg
	m.Rcpts = append([]string(nil), m.Rcpts...)
	m.Data = data
	se.s.mu.Lock()
	se.s.messages = append(se.s.messages, m)
	se.s.mu.Unlock()
	return nil
}

// DownAddr returns a loopback address where nothing listens.
func DownAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// SilentAddr returns the address of a listener that accepts connections
// and never says anything: a hung next hop.
func SilentAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go io.Copy(io.Discard, c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

// testLogger sends go-smtp's error log to the test log.
type testLogger struct{ t testing.TB }

func (l testLogger) Printf(format string, v ...any) { l.t.Logf("smtptest: "+format, v...) }
func (l testLogger) Println(v ...any)               { l.t.Log(append([]any{"smtptest:"}, v...)...) }
