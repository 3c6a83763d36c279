// Package sanitize rebuilds an e-mail message as safe UTF-8 text: the
// "sanitized communication" (無害化通信) that Japanese municipalities allow
// to cross from the Internet into their closed LGWAN network.
//
// Sanitizer.Message reads any RFC 5322 / MIME message, however broken, and
// writes a NEW message: an allowlist of headers rebuilt from their decoded
// values, a text/plain; charset=utf-8 body (HTML converted to readable
// text), text attachments re-encoded as UTF-8 text, and a notice (Japanese
// by default) that names every change — each removed attachment by decoded
// file name, size, detected type and SHA-256. It returns a Report of what
// it did. It is a pure library: no network, no files, no globals; every
// limit comes from the Policy.
//
// # The fail-closed rule
//
// No byte of the input reaches the output except as text that was decoded
// and re-encoded, or an image whose pixels were decoded and encoded anew.
// Concretely:
//
//   - Output header fields are written from decoded, cleaned values
//     (sanitize/textclean); MIME fields are always fresh.
//   - Text parts are decoded from their charset to UTF-8, cleaned of control
//     and bidi characters, HTML converted by sanitize/htmltext, cut of
//     encoded binaries (sanitize/payload) and links treated by policy
//     before they are written.
//   - Every other part goes to a Converter (package flatten, in a child
//     process in the relay): what comes back is text that gets the same
//     cleaning, or an image re-encoded from pixels, or a drop. The result
//     is verified as if the sender had written it (verify.go): an image
//     must have exactly the shape mugai's own encoder writes, names and
//     types are cleaned, an unknown action is a drop. A converter that
//     fails, hangs or crashes costs its attachment, never the message, and
//     the original is never passed on instead.
//   - A part whose transfer encoding is unknown, that is encrypted, partial
//     or external, is dropped; a part that is declared text but is a
//     binary is converted as what it is.
//   - An error on any message-level path — a limit, an ambiguous
//     structure, the time limit, a read error — aborts the whole message
//     before anything is written: the caller gets a *RejectError (or, under
//     Outcome "notice", a message holding only rebuilt headers and a
//     notice), or a plain error meaning "try again later". The output is
//     written to the destination in one piece, only once complete. There is
//     no path on which a part that could not be processed is passed
//     through.
//
// # Charsets
//
// Charset conversion is done by sanitize/charset, called directly. This
// package never sets go-message's process-wide message.CharsetReader hook
// (it only uses go-message's writers, which need none); decoding of
// encoded words in display names is given to net/mail through a
// mime.WordDecoder built per call.
package sanitize
