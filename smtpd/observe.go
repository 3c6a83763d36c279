package smtpd

import (
	"net"
	"net/netip"
	"time"

	"github.com/emersion/go-smtp"
)

// Observer is told what the server does, for metrics. Its methods are
// called synchronously on the session's goroutines, many at a time: an
// Observer must be safe for concurrent use, quick, and must not block,
// since a slow one delays the SMTP replies. It must not keep the
// *Envelope or *MessageInfo it is given. A nil Config.Observer observes
// nothing.
//
// Across SetConfig, a connection reports to the Observer of the Config it
// was accepted with, from SessionOpened to SessionClosed; pass the same
// Observer to every Config for gauges to stay balanced.
type Observer interface {
	// SessionOpened: a connection passed the network policy and the
	// connection limits; it gets the 220 greeting.
	SessionOpened(client netip.AddrPort)
	// SessionClosed: that connection ended (once per SessionOpened).
	SessionClosed(client netip.AddrPort)
	// Replied: a reply this package decided at connect (only refusals:
	// an accepted connection is SessionOpened) or to RCPT (every reply,
	// 250 included). The reply to a message is in MessageDone.
	Replied(stage Stage, client netip.AddrPort, code int)
	// MessageStarted: the client began sending a message (DATA or the
	// first BDAT) for a transaction with accepted recipients.
	MessageStarted(env *Envelope)
	// MessageDone: the reply to that message was decided; once per
	// MessageStarted.
	MessageDone(m *MessageInfo)
}

// Stage is the point of a session that a reply answers.
type Stage string

// The stages at which replies are observed.
const (
	StageConnect Stage = "connect"
	StageRcpt    Stage = "rcpt"
	StageData    Stage = "data"
)

// Step is the part of a message's processing that decided its reply.
type Step string

// The steps of a message, in order (see Data).
const (
	StepReceive Step = "receive" // reading and spooling: size, bare line ends, client gone
	StepQueue   Step = "queue"   // waiting for a worker slot
	StepFilter  Step = "filter"  // the Filter refused or failed
	StepDeliver Step = "deliver" // the Delivery's verdict, success included
)

// MessageInfo is what MessageDone reports: the data of the per-message log
// line.
type MessageInfo struct {
	// Envelope is the transaction (queue id, client, sender, recipients).
	Envelope *Envelope
	// Route is the name of the transaction's Route.
	Route string
	// Result is "delivered" (2xx), "rejected" (5xx) or "deferred" (4xx):
	// the same words as the log line.
	Result string
	// Step is where the reply was decided.
	Step Step
	// Code and Enhanced are the reply sent to the client.
	Code     int
	Enhanced [3]int
	// BytesIn is the message as received; BytesOut the Filter's output
	// (0 when the Filter did not run or wrote nothing).
	BytesIn, BytesOut int64
	// Actions are the Filter's words for the log (FilterResult.Actions).
	Actions []string
	// Spool, Queue, Filter and Deliver are the time spent in each step;
	// Total is from the start of the message to the reply.
	Spool, Queue, Filter, Deliver, Total time.Duration
	// RcptsRefused counts the transaction's refused recipients.
	RcptsRefused int
}

// nopObserver is the Observer of a Config without one.
type nopObserver struct{}

func (nopObserver) SessionOpened(netip.AddrPort)       {}
func (nopObserver) SessionClosed(netip.AddrPort)       {}
func (nopObserver) Replied(Stage, netip.AddrPort, int) {}
func (nopObserver) MessageStarted(*Envelope)           {}
func (nopObserver) MessageDone(*MessageInfo)           {}

// refuseObserved refuses a connection at connect, as refuse does, and
// tells the Observer.
func refuseObserved(c net.Conn, cfg *Config, client netip.AddrPort, r *smtp.SMTPError) {
	refuse(c, cfg.Hostname, r)
	cfg.Observer.Replied(StageConnect, client, r.Code)
}

// info is the MessageInfo of a finished message.
func (m *messageLog) info(result string, r *smtp.SMTPError, total time.Duration) *MessageInfo {
	return &MessageInfo{
		Envelope:     m.env,
		Route:        m.route,
		Result:       result,
		Step:         m.step,
		Code:         r.Code,
		Enhanced:     [3]int(r.EnhancedCode),
		BytesIn:      m.bytesIn,
		BytesOut:     m.bytesOut,
		Actions:      m.actions,
		Spool:        m.spool,
		Queue:        m.queue,
		Filter:       m.filter,
		Deliver:      m.deliver,
		Total:        total,
		RcptsRefused: m.refused,
	}
}
