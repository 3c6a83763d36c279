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
// No byte of the input reaches the output except as text that this
// package decoded and re-encoded itself. Concretely:
//
//   - Output header fields are written from decoded, cleaned values
//     (sanitize/textclean); MIME fields are always fresh.
//   - Text parts are decoded from their charset to UTF-8, cleaned of control
//     and bidi characters, HTML converted by sanitize/htmltext, and cut of
//     encoded binaries (sanitize/payload) before they are written.
//   - Every other part is read only to hash and measure it, then dropped.
//     A part whose transfer encoding is unknown, whose declared text type
//     hides a binary, that is encrypted, partial or external, is dropped.
//   - An error on any path — a limit, an ambiguous structure, the time
//     limit, a read error — aborts the whole message before anything is
//     written: the caller gets a *RejectError (or, under Outcome "notice",
//     a message holding only rebuilt headers and a notice), or a plain
//     error meaning "try again later". There is no path on which a part
//     that could not be processed is passed through.
//
// # Charsets
//
// Charset conversion is done by sanitize/charset, called directly. This
// package never sets go-message's process-wide message.CharsetReader hook
// (it only uses go-message's writers, which need none); decoding of
// encoded words in display names is given to net/mail through a
// mime.WordDecoder built per call.
package sanitize
