package smtpd

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/emersion/go-smtp"
	"github.com/pires/go-proxyproto"

	"github.com/mugai/mugai/smtpd/reply"
)

// commandConn is the net.Conn go-smtp serves, over the sessionConn. It
// reads the client's input itself and hands it on, so that it can answer
// the commands go-smtp (v0.25.1, and v0.26.0) does not know — XFORWARD and
// XCLIENT, which only open pull requests add (emersion/go-smtp #291 and
// #295) — and STARTTLS, so that it
// keeps seeing commands in clear text after TLS starts. go-smtp has no
// hook for a command of its own (its dispatch in conn.go handle() ends in
// "500 unrecognized"), nor for an EHLO keyword.
//
// Handing input on is safe only if go-smtp never holds more of it than
// one command line: anything go-smtp has buffered past that would be read
// as commands without passing here, and a line of a message would be
// taken for a command here. So each Read gives go-smtp at most one
// command line; message text (after DATA's 354) at most up to the next
// LF, so the end-of-data line is the last go-smtp reads; and a BDAT
// chunk exactly its size (go-smtp reads every chunk whose size parses,
// even one it refuses). go-smtp answers every command before it reads the
// next, so its replies, seen by Write, say where the message text starts
// (354) and ends (the next reply); and they are where the EHLO keywords
// are added.
//
// Only the connection's goroutine uses it: go-smtp reads and writes from
// there (its BDAT goroutine reads a pipe, not the connection), and so do
// the Session methods that touch connState's fields used here.
type commandConn struct {
	*sessionConn
	cs        *connState
	tlsConfig *tls.Config   // STARTTLS is offered when set
	rw        io.ReadWriter // the sessionConn; after STARTTLS the tls.Conn over it

	buf     []byte // input: buf[r:w] is not yet handed on
	r, w    int
	handing int // bytes at buf[r:] promised to go-smtp as they are
	mode    inputMode
	chunk   int64  // modeChunk: bytes of the BDAT chunk not yet promised
	long    bool   // handing on a line too long to examine, up to its LF
	started bool   // input has arrived: a PROXY header would have been first
	await   string // the command go-smtp answers next
	out     []byte // a reply line go-smtp has not finished writing
}

type inputMode int

const (
	modeCommand inputMode = iota // one command line per Read
	modeData                     // message text after 354, line by line
	modeChunk                    // a BDAT chunk
)

// commandBufSize bounds a command line examined here: more than go-smtp's
// MaxLineLength (2000), so every line go-smtp would take as a command is
// seen whole. A longer one is handed on unexamined, and go-smtp refuses it.
const commandBufSize = 8 << 10

func newCommandConn(sc *sessionConn, cs *connState, tlsConfig *tls.Config) *commandConn {
	return &commandConn{sessionConn: sc, cs: cs, tlsConfig: tlsConfig, rw: sc, buf: make([]byte, commandBufSize)}
}

func (c *commandConn) Read(p []byte) (int, error) {
	for {
		if c.sessionConn.isHungUp() {
			return 0, io.EOF // we said 421: nothing more is read, buffered or not
		}
		if c.handing > 0 {
			n := copy(p, c.buf[c.r:c.r+c.handing])
			c.r += n
			c.handing -= n
			return n, nil
		}
		if err := c.fill(); err != nil {
			return 0, err
		}
		in := c.buf[c.r:c.w]
		switch c.mode {
		case modeData:
			c.handing = len(in)
			if i := bytes.IndexByte(in, '\n'); i >= 0 {
				c.handing = i + 1
			}
		case modeChunk:
			c.handing = int(min(int64(len(in)), c.chunk))
			if c.chunk -= int64(c.handing); c.chunk == 0 {
				c.mode = modeCommand
			}
		default:
			if !c.started {
				c.started = true
				if proxyHeader(in) {
					return 0, c.refuseProxyHeader()
				}
			}
			if err := c.command(); err != nil {
				return 0, err
			}
		}
	}
}

// fill makes sure some input is buffered, reading when none is. Without a
// whole command line it reads until the line is complete or the buffer
// full. A read error drops a partial line: go-smtp would answer the
// fragment as a command (see sessionConn.Read).
func (c *commandConn) fill() error {
	for {
		in := c.buf[c.r:c.w]
		switch {
		case len(in) > 0 && (c.mode != modeCommand || c.long):
			return nil
		case bytes.IndexByte(in, '\n') >= 0 || len(in) == len(c.buf):
			return nil
		}
		if c.r > 0 {
			c.w = copy(c.buf, in)
			c.r = 0
		}
		n, err := c.rw.Read(c.buf[c.w:])
		c.w += n
		if n == 0 && err != nil {
			return err
		}
	}
}

// command examines the command line at buf[r:] and either answers it
// here (consuming it) or promises it to go-smtp.
func (c *commandConn) command() error {
	in := c.buf[c.r:c.w]
	i := bytes.IndexByte(in, '\n')
	if i < 0 || c.long {
		// Too long for a command of ours (or the rest of such a line):
		// go-smtp refuses it (500 5.4.0 and hangs up).
		c.long = i < 0
		c.handing = len(in)
		if i >= 0 {
			c.handing = i + 1
		}
		return nil
	}
	line := string(bytes.TrimRight(in[:i], "\r"))
	verb, args, _ := strings.Cut(line, " ")
	verb = strings.ToUpper(verb)
	switch {
	case verb == "XFORWARD" || verb == "XCLIENT":
		c.r += i + 1
		c.forward(verb, args)
		return nil
	case verb == "STARTTLS" && c.tlsConfig != nil:
		c.r += i + 1
		return c.startTLS(args)
	case verb == "BDAT":
		if size, ok := bdatSize(args); ok && size > 0 {
			c.mode, c.chunk = modeChunk, size
		}
	}
	c.await = verb
	c.handing = i + 1
	return nil
}

// bdatSize parses BDAT's arguments exactly as go-smtp's handleBdat does:
// when they parse, go-smtp reads the chunk, whatever its reply.
func bdatSize(args string) (int64, bool) {
	f := strings.Fields(args)
	if len(f) == 0 || len(f) > 2 || (len(f) == 2 && !strings.EqualFold(f[1], "LAST")) {
		return 0, false
	}
	n, err := strconv.ParseUint(f[0], 10, 32)
	return int64(n), err == nil
}

// proxyHeader reports whether a connection's first input is a PROXY
// protocol header (v1 "PROXY ...", or v2's 12-octet signature).
func proxyHeader(in []byte) bool {
	return bytes.HasPrefix(in, proxyproto.SIGV1) || bytes.HasPrefix(in, proxyproto.SIGV2)
}

// refuseProxyHeader answers a PROXY header from a client that is not a
// load balancer of Config.ProxyNetworks (one from a load balancer was
// read before the session began): whoever can reach the port could
// otherwise claim any address. The connection ends.
func (c *commandConn) refuseProxyHeader() error {
	c.cs.log.Warn("smtpd: connection refused", "reason", "PROXY header from a client outside the proxy networks")
	c.writeReply(replyProxyRefused())
	c.sessionConn.hangUp()
	return io.EOF
}

// forward answers XFORWARD or XCLIENT (Postfix's XFORWARD_README and
// XCLIENT_README). Only Config.Forwarders may send them; anyone else gets
// Postfix's reply to a client outside smtpd_authorized_xforward_hosts or
// smtpd_authorized_xclient_hosts, "550 5.7.0 Error: insufficient
// authorization", and the command is not advertised to them. Neither may
// come inside a mail transaction (503, both READMEs).
func (c *commandConn) forward(verb, args string) {
	cs := c.cs
	var r *smtp.SMTPError
	switch {
	case !cs.forwarder:
		cs.log.Warn("smtpd: "+verb+" refused", "reason", "client not in the forwarders")
		r = cs.clientError(wire(reply.MailboxUnavailable, reply.SecurityOther, "Error: insufficient authorization"))
	case c.sessionConn.isBusy():
		r = cs.clientError(wire(reply.BadSequence, reply.ProtocolInvalidCommand, "Error: MAIL transaction in progress"))
	default:
		u, bad := parseForward(verb, args)
		if bad != nil {
			cs.log.Warn("smtpd: "+verb+" refused", "reply", bad.Message)
			r = cs.clientError(bad)
			break
		}
		if verb == "XFORWARD" {
			cs.xforward(u)
			r = wire(reply.OK, reply.Undefined, "Ok")
			break
		}
		// XCLIENT: back to the greeting stage; the reply is the
		// greeting, and the client says EHLO again.
		cs.xclient(u)
		c.writeReply(wire(reply.ServiceReady, reply.NoEnhanced, c.cs.cfg.Hostname+" ESMTP Service Ready"))
		return
	}
	c.writeReply(r)
}

// startTLS is STARTTLS (RFC 3207), done here rather than by go-smtp so
// that the commands inside TLS still pass through commandConn.
func (c *commandConn) startTLS(args string) error {
	switch {
	case c.cs.tls != nil:
		c.writeReply(wire(reply.NotImplemented, reply.ProtocolInvalidCommand, "Already running in TLS"))
		return nil
	case strings.TrimSpace(args) != "":
		c.writeReply(wire(reply.ParameterSyntax, reply.ProtocolInvalidArguments, "Syntax: STARTTLS")) // RFC 3207 §4: no parameters
		return nil
	case c.sessionConn.isBusy():
		// The transaction could not be forgotten as §4.2 requires: go-smtp
		// keeps its own state of it.
		c.writeReply(wire(reply.BadSequence, reply.ProtocolInvalidCommand, "Error: MAIL transaction in progress"))
		return nil
	}
	c.writeReply(wire(reply.ServiceReady, reply.Undefined, "Ready to start TLS"))
	// Whatever the client sent after STARTTLS in clear text is dropped
	// unread, not taken as the first command inside TLS (the STARTTLS
	// command injection of CVE-2011-0411).
	c.r, c.w = 0, 0
	tc := tls.Server(c.sessionConn, c.tlsConfig)
	if err := tc.Handshake(); err != nil {
		c.cs.log.Info("smtpd: TLS handshake failed", "err", err)
		c.sessionConn.hangUp()
		return io.EOF
	}
	c.rw = tc
	st := tc.ConnectionState()
	c.cs.startedTLS(&st)
	return nil
}

// writeReply sends a reply of ours in go-smtp's format.
func (c *commandConn) writeReply(r *smtp.SMTPError) {
	var line string
	if r.EnhancedCode == smtp.NoEnhancedCode {
		line = fmt.Sprintf("%d %s\r\n", r.Code, r.Message)
	} else {
		e := r.EnhancedCode
		line = fmt.Sprintf("%d %d.%d.%d %s\r\n", r.Code, e[0], e[1], e[2], r.Message)
	}
	c.rw.Write([]byte(line)) // an error shows at the next Read
}

// Write passes go-smtp's replies on. It follows them line by line: the
// last line of a reply (code and space) ends it, which decides what the
// client sends next; before the last line of an EHLO reply it adds the
// keywords of what commandConn offers.
func (c *commandConn) Write(p []byte) (int, error) {
	c.out = append(c.out, p...)
	var send []byte
	for {
		i := bytes.IndexByte(c.out, '\n')
		if i < 0 {
			break
		}
		line := c.out[:i+1]
		last := len(line) >= 4 && line[3] == ' '
		code, _ := strconv.Atoi(string(line[:min(3, len(line))]))
		if last && code == 250 && c.await == "EHLO" {
			send = append(send, c.keywords()...)
		}
		send = append(send, line...)
		c.out = c.out[i+1:]
		if last {
			c.replied(code)
		}
	}
	c.out = append([]byte(nil), c.out...) // keep only the unfinished line
	if len(send) > 0 {
		if _, err := c.rw.Write(send); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// replied notes the end of go-smtp's reply with code to the command in
// c.await.
func (c *commandConn) replied(code int) {
	switch {
	case c.await == "DATA" && code == 354:
		c.mode = modeData
	case c.mode == modeData:
		c.mode = modeCommand // the reply to the message: its text has ended
	case (c.await == "EHLO" || c.await == "HELO") && code == 250:
		c.cs.greeted()
	}
	c.await = ""
}

// keywords are the EHLO lines commandConn adds.
func (c *commandConn) keywords() []byte {
	var b []byte
	if c.tlsConfig != nil && c.cs.tls == nil {
		b = append(b, "250-STARTTLS\r\n"...)
	}
	if c.cs.forwarder {
		b = append(b, "250-XCLIENT "+xclientAttrs+"\r\n"...)
		b = append(b, "250-XFORWARD "+xforwardAttrs+"\r\n"...)
	}
	return b
}
