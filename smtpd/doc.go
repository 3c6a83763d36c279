// Package smtpd is mugai's inbound SMTP server: it accepts mail from the
// upstream MTA, spools it, has a Filter rebuild it and hands the result to
// a Delivery, answering 250 only once the Delivery accepted the message.
//
// It implements, on top of github.com/emersion/go-smtp:
//
//   - SMTP (RFC 5321): relay policy by client network (the recipient's
//     domain is the Router's to judge), limits on connections (with a
//     share reserved for new client addresses), time (totals per command
//     line and per message, scaled by size), size, recipients and errors,
//     and our own Received: trace header (§4.4)
//   - envelope addresses in one canonical form (§4.1.2, see Mailbox):
//     what the relay policy checks is what the next hop, the trace and
//     the log get; addresses that could be read as another (a quoted "@",
//     quoting characters, % and ! routing) and control characters are
//     refused
//   - SMTP smuggling defence: DATA ends only at CRLF.CRLF (§4.1.1.4) and a
//     bare CR or LF in the message (§2.3.8) is refused or normalized
//   - SIZE (RFC 1870), 8BITMIME (RFC 6152), PIPELINING (RFC 2920),
//     ENHANCEDSTATUSCODES (RFC 2034, codes from RFC 3463), STARTTLS
//     (RFC 3207), CHUNKING/BDAT (RFC 3030) and SMTPUTF8 (RFC 6531)
//   - who connected: Postfix's XFORWARD and XCLIENT (XFORWARD_README,
//     XCLIENT_README) from Config.Forwarders, and the PROXY protocol
//     (v1 and v2, github.com/pires/go-proxyproto) from the load balancers
//     of Config.ProxyNetworks; Envelope.Origin is the original client
//     sender authentication needs, Envelope.Client the one relay policy
//     judges. go-smtp knows neither command, so commandConn reads the
//     client's input below it (and does STARTTLS, so they work in TLS)
//
// # Data flow
//
// The package is a before-queue proxy in Postfix's sense: it has no queue.
// For each transaction:
//
//	MAIL      an Envelope with a fresh queue id
//	RCPT      canonical address; the Router applies relay policy and
//	          picks a Route for the recipient; the first recipient's Route
//	          is fixed for the transaction: its Begin opens the Delivery
//	          (the next hop sees MAIL FROM now) and its Filter is used at
//	          DATA; every recipient is relayed live with
//	          Delivery.AddRecipient, within RecipientTimeout each and
//	          EnvelopeTime for all
//	DATA/BDAT spooled (memory, then an unlinked temporary file), checked
//	          for bare line ends, bounded by the size limit
//	          → wait for a worker slot → Filter into a second spool
//	          → Delivery.Deliver(our Received: header + filtered message)
//	          → 250 only if Deliver returned nil
//
// # Replies
//
// go-smtp matches a returned error by type assertion to *smtp.SMTPError
// and otherwise sends 451/554 with the error's text, so every error this
// package hands to go-smtp is a bare *smtp.SMTPError and internal error
// text never reaches the client. An error from the Filter, the Router or
// the Delivery that is or wraps a *reply.Reply (package smtpd/reply, the
// one reply type of the relay) keeps its reply (a 2xx or 3xx there
// becomes 451: only a successful Deliver may lead to 250); a failed
// network operation is 451 4.4.1; anything else, a panic included, is
// 451 4.3.0 with a generic text. The upstream MTA keeps the message and
// retries on every 4xx, so nothing is acknowledged and then lost.
//
// # Operation
//
// Config is replaced atomically with (*Server).SetConfig; a connection
// keeps the Config it was accepted with. Shutdown stops accepting, ends
// idle connections, lets transactions in flight finish and, when its
// context ends first, closes the rest without acknowledging them.
package smtpd
