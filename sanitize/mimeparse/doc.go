// Package mimeparse reads an RFC 5322 / MIME message (RFC 2045–2049) as a
// tree of entities, streaming, under hard limits on every size an attacker
// controls: raw message size, line length, header section size, nesting
// depth, number of parts, and decoded bytes per part and in total.
//
// It exists because the general-purpose readers do not fit a sanitizing
// gateway. go-message's multipart reader has no depth or part limit, its
// nested readers make deep nesting cost quadratic time, it fails on lines
// longer than its 4 KiB buffer in a preamble, and its header reader stops at
// the first malformed line; mime.ParseMediaType drops duplicate parameters
// and only decodes UTF-8 RFC 2231 values. Here instead:
//
//   - Line ends are normalised first (CRLF and lone CR become LF), so one
//     rule finds boundaries whatever the sender's line ends were.
//   - A boundary delimiter is recognised only as RFC 2046 §5.1.1 defines it:
//     "--" boundary, optional linear white space, end of line. A line that
//     begins with a boundary but is followed by anything else is a place
//     where parsers disagree, and is reported as an *AmbiguityError, as are
//     duplicate or conflicting Content-Type, Content-Transfer-Encoding and
//     Content-Disposition fields and parameters (compared after decoding, so
//     an RFC 2047 name and an equal RFC 2231 filename* are not a conflict),
//     a multipart without a usable boundary, and a boundary that is a prefix
//     of an enclosing one (draft-chen-email-mime-ambiguity-defense; amavis
//     CVE-2024-28054).
//   - Exceeding a limit is a *LimitError, found in time linear in the input
//     (each byte passes through at most Limits.Depth boundary scanners).
//
// Header values are decoded with DecodeWords (RFC 2047, with the common
// non-standard habits of real mailers) and parameters with ParseParams
// (RFC 2045 §5.1 and RFC 2231, in any charset). Charset conversion goes
// through sanitize/charset; this package never touches go-message's
// process-wide CharsetReader hook.
package mimeparse
