// Package payload finds binary files hidden inside the text of a mail part,
// so that the sanitizer can cut them out before the text crosses into the
// closed network (DESIGN.md, "Output message invariants" point 7: neither an
// attachment's bytes nor an encoded copy of them may survive in the output).
//
// Find recognises, line by line and in one linear pass:
//
//   - uuencode: the historical format and the "begin-base64" form of the
//     POSIX uuencode utility (POSIX.1-2017, XCU "uuencode", STDOUT), including
//     the usual damage seen in real mail (trailing spaces added or stripped,
//     ' ' or '`' for zero, a missing "end"), and long runs of full data lines
//     whose "begin" line was lost or left out (later parts of a split post).
//   - BinHex 4.0 (RFC 1741, Appendix A): the
//     "(This file must be converted with BinHex" line and the ':'-framed data;
//     also ':'-framed data without that line when its header CRC checks out.
//   - yEnc (yEnc 1.3 draft, yenc.org, 2002): "=ybegin" … "=yend", with an
//     optional "=ypart" line.
//   - base64 (RFC 4648 §4, and the URL-safe alphabet of §5) pasted as a run
//     of lines, or as one long token inside a line (a data: URI, RFC 2397),
//     when it decodes to something that is not readable text, or to text
//     that holds a payload itself (looked for again, two levels deep).
//     Readable text is UTF-8, Shift_JIS, EUC-JP or ISO-2022-JP without
//     control bytes, sniffed by mimetype as plain text or a text data
//     format (CSV, JSON, iCalendar, a mail message…). Markup and scripts
//     (HTML, SVG, XML, RTF, shell…) are files, and text in any other
//     charset cannot be told from binary: both are cut. Base64 shorter than
//     Options.MinBase64 is never considered.
//   - the EICAR anti-virus test file (eicar.org), a printable "program".
//
// A second pass (spread.go) looks at the lines the first left alone, for
// files encoded in shapes no line rule follows and in other encodings:
// base64 split into paragraphs, in chunks each padded, in groups of four,
// behind "# ", "| ", a row number or a property name, in the quotes of a
// JavaScript array, in lines of any width; hex dumps (xxd -p, xxd,
// hexdump -C); base32 (RFC 4648 §6); Adobe ascii85. It joins lines across
// blank lines, padding, short prefixes and columns, and judges the joined
// bytes by what they decode to, whatever their length: a file of a kind
// fileType knows by a signature of several bytes (executable, archive,
// Office, PDF, image, markup, script), at the start or further on, or text
// that holds a payload. Hashes, IDs, tokens, keys and code decode to bytes
// without such a signature and are kept.
//
// OpenPGP ASCII armor (RFC 9580 §6.2) is base64 of binary packets. Armored
// signatures, keys and encrypted messages are not attachments, and are left
// alone — but only after their packet headers (RFC 9580 §4.2) show that they
// hold nothing else: an armored message that carries literal or compressed
// data readable by anyone (gpg --sign, --store, --enarmor) is a file in
// disguise and is reported like any other base64 block. Certificates and
// keys (PEM "CERTIFICATE", "PUBLIC KEY", "PRIVATE KEY"…, SSH public keys)
// are left alone when their bytes parse as what their label says and hold
// no file (keys.go); other PEM blocks (S/MIME "PKCS7") get no exception: a
// PKCS #7 blob can carry the signed file itself.
//
// Encodings that take a key or a program of the reader's choosing to undo
// (encryption, XOR, a custom alphabet) are out of scope: they cannot be
// found by syntax.
//
// Find never panics, runs in time linear in the text, caps the decoded
// bytes it keeps per block (Options.MaxDecoded) and the blocks it returns
// (Options.MaxBlocks: the rest of a text with more is one TooMany block).
package payload
