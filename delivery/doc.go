// Package delivery sends sanitized mail on: to the next hop over SMTP
// (NextHop) or into a local maildir (Maildir). Both implement smtpd's
// Route.Begin, so a message is acknowledged upstream only after the
// target here accepted it.
//
// It implements:
//
//   - SMTP client (RFC 5321) on github.com/emersion/go-smtp's client, with
//     our own net.Dialer, deadlines and reply mapping; SIZE (RFC 1870),
//     8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531) and STARTTLS (RFC 3207)
//     with opportunistic (RFC 7435) or verified (RFC 5280 via crypto/x509)
//     modes, greeting once per session (EHLO, and again only inside TLS)
//   - addresses written only in smtpd's canonical RFC 5321 form (go-smtp's
//     client puts whatever it is given between angle brackets)
//   - reuse of next-hop connections (pool.go), as Postfix's connection
//     cache: RSET before each reuse (RFC 5321 §4.1.1.5), a bounded number
//     of idle connections per next hop for a bounded time, QUIT when one
//     is retired (§4.1.1.10), and a new connection, once, when a kept one
//     fails before MAIL FROM is accepted
//   - Maildir delivery (https://cr.yp.to/proto/maildir.html): write in
//     tmp/, fsync, rename into new/, fsync new/
//
// # Replies
//
// Every error returned to smtpd is a *reply.Reply (package smtpd/reply)
// with the cause for the log: a reply of the next hop keeps its code and
// enhanced code with "next hop: " before its text; an unreachable, silent or lost next
// hop is 451 4.4.1; TLS failures are 451 4.7.4 (not offered) and 451 4.7.5
// (handshake or certificate). So the upstream MTA retries whatever did not
// definitely fail.
//
// A lost reply to the end of data is 451 too although the next hop may
// have accepted the message: the upstream then sends it again, a duplicate
// rather than a loss, which RFC 5321 §6.1 accepts as the lesser evil.
package delivery
