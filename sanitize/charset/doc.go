// Package charset decodes the text of a MIME entity or an RFC 2047 encoded
// word from whatever charset it was sent in to valid UTF-8, and guesses the
// charset when the label is missing, unknown or clearly wrong.
//
// mugai rebuilds every message as UTF-8 text before it crosses into a closed
// network, so a wrongly decoded Japanese mail (文字化け) is a bug, not a
// cosmetic problem. The package therefore:
//
//   - knows the labels Japanese senders actually use (Shift_JIS/CP932 and its
//     Windows, Java and carrier spellings, EUC-JP, ISO-2022-JP and its -1/-2/-3
//     and Microsoft variants) and maps the long tail through the WHATWG
//     Encoding Standard (htmlindex) and the IANA charset registry (ianaindex);
//   - decodes ISO-2022-JP (RFC 1468) with the CP932 extensions that Outlook and
//     iPhone Mail put into it (NEC row 13 such as ① ㈱ №, NEC-selected IBM
//     extensions in rows 89–92), JIS X 0201 katakana and JIS X 0212;
//   - decodes UTF-7 (RFC 2152), which x/text lacks, and UTF-16 (RFC 2781) with
//     byte-order-mark handling;
//   - corrects a declared charset only when the bytes prove it wrong (see
//     Decode for the rules), and says so in Result.Guessed.
//
// Decode never fails and never panics: invalid input becomes U+FFFD and is
// counted, and the work is linear in the input length. The package keeps no
// mutable state; its tables are read-only.
//
// Charset labels are the charset parameter of RFC 2045 §5.1 / RFC 2046
// §4.1.2 and the charset of an RFC 2047 §2 encoded word (optionally with an
// RFC 2231 §5 "*language" suffix). Names returned are lower-case and follow
// the WHATWG Encoding Standard's choice of decoder for a label (so
// "iso-8859-1" decodes as, and is reported as, "windows-1252", and "gb2312"
// as "gbk"), except where mail needs otherwise: "us-ascii" is kept,
// "utf-16" honours RFC 2781 rather than meaning UTF-16LE, and UTF-7, UTF-32
// and the ISO-2022-JP variants, which WHATWG does not cover, are added.
package charset
