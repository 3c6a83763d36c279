package sanitize

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/mugai/mugai/sanitize/flatten"
	"github.com/mugai/mugai/sanitize/mimeparse"
)

// Sanitizer rebuilds messages under one Policy. It holds no mutable state
// and is safe for concurrent use.
type Sanitizer struct {
	policy Policy
	conv   Converter
}

// Converter turns one attachment into safe content — text, a re-encoded
// image, the members of an archive — or says why it cannot (package
// flatten's Result). The sanitizer streams the decoded attachment to it
// and hashes the same bytes. By default flatten.Convert runs in-process;
// cmd/mugai passes a sandbox.Converter that runs it in a child process
// under operating-system limits. An error is returned only when ctx ended;
// every other failure is a Result with ActionDrop.
type Converter interface {
	Convert(ctx context.Context, in flatten.Input, r io.Reader, opt flatten.Options) (*flatten.Result, error)
}

// Option configures a Sanitizer.
type Option func(*Sanitizer)

// WithConverter sets the attachment converter.
func WithConverter(c Converter) Option {
	return func(s *Sanitizer) { s.conv = c }
}

// New returns a Sanitizer for policy. Empty fields of policy take their
// defaults (see DefaultPolicy); unknown enum values are treated as the
// default too — call Policy.Validate first to refuse them.
func New(policy Policy, opts ...Option) *Sanitizer {
	s := &Sanitizer{policy: policy.withDefaults()}
	s.conv = InProcessConverter{}
	for _, o := range opts {
		o(s)
	}
	return s
}

// InProcessConverter runs flatten.Convert in the calling process: for
// tests and tools. A hostile file can cost it CPU and memory up to the
// converters' own limits; the relay isolates conversions instead.
type InProcessConverter struct{}

// Convert reads the whole attachment and converts it.
func (InProcessConverter) Convert(ctx context.Context, in flatten.Input, r io.Reader, opt flatten.Options) (*flatten.Result, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return flatten.Convert(ctx, in, data, opt)
}

// Policy returns the effective policy, defaults filled in.
func (s *Sanitizer) Policy() Policy {
	p := s.policy
	p.ExtraHeaders = append([]string(nil), p.ExtraHeaders...)
	return p
}

// Message reads one RFC 5322 message from src and writes a new, sanitized
// message to dst, within the policy's time limit.
//
// It returns a *RejectError when the policy refuses the message; then
// nothing was written to dst. Any other error (reading src, writing dst)
// is not the message's fault and should be treated as temporary; dst may
// then hold part of a message, to be discarded. The Report is returned in
// every case where the message could be read.
func (s *Sanitizer) Message(dst io.Writer, src io.Reader) (*Report, error) {
	return s.MessageContext(context.Background(), dst, src)
}

// MessageContext is Message with a context: the message fails closed (a
// "limit" rejection) if ctx ends or the policy's time limit passes first.
func (s *Sanitizer) MessageContext(parent context.Context, dst io.Writer, src io.Reader) (*Report, error) {
	return s.MessageWith(parent, dst, src, MessageOptions{})
}

// MessageWith is MessageContext with the caller's options for this
// message (MessageOptions): additions to the output, and the kept
// original — its line in the notice, and under OutcomeQuarantine a
// message that fails closed is quarantined (a notice-only message)
// instead of refused. It returns ErrNotHeld, having written nothing, when
// the Additions hold the message back and no original is kept.
func (s *Sanitizer) MessageWith(parent context.Context, dst io.Writer, src io.Reader, opts MessageOptions) (*Report, error) {
	ctx, cancel := context.WithTimeout(parent, s.policy.Limits.Time)
	defer cancel()
	w, rep, out, err := s.read(ctx, src, opts)
	if err != nil {
		rej, ok := s.rejection(err)
		if !ok || parent.Err() != nil {
			// The caller gave up (shutdown, lost client): not the
			// message's fault, so not a permanent refusal.
			return rep, err
		}
		rep.Rejected = rej.rejection()
		outcome := s.policy.Ambiguous
		if rej.Kind != RejectAmbiguous {
			outcome = s.policy.OverLimit
		}
		switch {
		case outcome == OutcomeQuarantine && opts.Held.held():
			// Held back, the original kept: the recipient learns what
			// arrived and how to get it; the sender is not refused.
			rep.Rejected.Replaced, rep.Rejected.Quarantined = true, true
			out = w.quarantined(msgQuarantined, rejectionText(s.policy.Language, rej), rej.Reason)
		case outcome == OutcomeNotice && w.root != nil:
			// Replace the content by a notice; keep the sender's headers.
			rep.Rejected.Replaced = true
			out = w.noticeOnly(rej.Reason)
		default:
			return rep, rej
		}
	}
	if why := w.hold(); why != nil && (rep.Rejected == nil || !rep.Rejected.Quarantined) {
		// The caller's additions hold the message back after all.
		if !opts.Held.held() {
			return rep, ErrNotHeld
		}
		rep.Rejected = why.rejection()
		out = w.quarantined(msgHeldBack, why.Text, why.Detail)
	}
	return rep, s.writeOut(dst, rep, out)
}

// read reads and renders the message in src: the walker (whose state
// the notice-only messages need), the report and the output.
func (s *Sanitizer) read(ctx context.Context, src io.Reader, opts MessageOptions) (*walker, *Report, *outMessage, error) {
	counted := &countingReader{r: src}
	rep := newReport()
	w := newWalker(ctx, &s.policy, s.conv, rep, opts)
	out, err := w.run(counted)
	rep.InputBytes = counted.n
	return w, rep, out, err
}

// writeOut writes the output message to dst and counts it in rep.
func (s *Sanitizer) writeOut(dst io.Writer, rep *Report, out *outMessage) error {
	// Straight to dst through a small buffer: a copy of the whole output
	// in memory would add its size, and its garbage, to every message
	// (the relay's dst is already a spool).
	ew := &endWriter{w: bufio.NewWriterSize(dst, 8<<10)}
	err := out.write(ew, &s.policy)
	if err == nil && ew.last != [2]byte{'\r', '\n'} {
		// go-message's base64 writer leaves the last line open; SMTP and
		// RFC 5322 §2.1 want every line ended.
		_, err = ew.Write([]byte("\r\n"))
	}
	if err == nil {
		err = ew.w.Flush()
	}
	rep.OutputBytes = ew.n
	if err != nil {
		return fmt.Errorf("write sanitized message: %w", err)
	}
	return nil
}

// endWriter counts what it writes and remembers the last two bytes.
type endWriter struct {
	w    *bufio.Writer
	n    int64
	last [2]byte
}

func (e *endWriter) Write(p []byte) (int, error) {
	n, err := e.w.Write(p)
	e.n += int64(n)
	switch {
	case n >= 2:
		e.last = [2]byte{p[n-2], p[n-1]}
	case n == 1:
		e.last = [2]byte{e.last[1], p[0]}
	}
	return n, err
}

// rejection turns a walker error into a RejectError when it is the
// message's fault (limits, ambiguity, time). Plain I/O errors are not.
func (s *Sanitizer) rejection(err error) (*RejectError, bool) {
	var rej *RejectError
	var le *mimeparse.LimitError
	var ae *mimeparse.AmbiguityError
	switch {
	case errors.As(err, &rej):
		return rej, true
	case errors.As(err, &le):
		return newReject(RejectLimit, bounds[le.Bound], le.Error()), true
	case errors.As(err, &ae):
		return newReject(RejectAmbiguous, "", ae.Error()), true
	case errors.Is(err, context.DeadlineExceeded):
		return newReject(RejectLimit, LimitTime, fmt.Sprintf("sanitizing took longer than the limit of %s", s.policy.Limits.Time)), true
	}
	return nil, false
}

// bounds name mimeparse's limits by their configuration keys.
var bounds = map[mimeparse.Bound]Limit{
	mimeparse.BoundMessage: LimitMessageSize,
	mimeparse.BoundHeader:  LimitHeaderSize,
	mimeparse.BoundLine:    LimitLineLength,
	mimeparse.BoundDepth:   LimitDepth,
	mimeparse.BoundParts:   LimitParts,
	mimeparse.BoundPart:    LimitPartSize,
	mimeparse.BoundTotal:   LimitDecodedSize,
}

// countingReader counts bytes read.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
