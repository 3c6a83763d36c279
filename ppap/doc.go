// Package ppap is the library half of opening "PPAP" mail: a
// password-protected zip in one message and its password in the next,
// as Japanese senders, government bodies among them, still send them.
// The relay holds such an archive in the vault; this package decides,
// without I/O of its own:
//
//   - which tokens of a later mail's text may be the password
//     (Candidates): those written next to パスワード, PW, password, 暗証番号,
//     パスコード or 解凍 — after a colon, in quotes, or alone on the next
//     line — or a body that is one token and nothing else;
//   - whether that later mail belongs with a held archive (Pairs): same
//     envelope sender, same header From, same recipient, within the
//     window (ppap.window, default 24 h) after the archive;
//   - and it tries the candidates against the pair's archives within a
//     budget (Try), each try first put to the archive's quick check
//     (archive.Encrypted.Check), so a wrong candidate costs microseconds
//     (traditional encryption) or about a millisecond (AES).
//
// What opens is a plain zip (archive.Decrypted.Zip), which the caller
// flattens like any attachment: flatten.Convert, in the sandbox, with the
// archive limits.
package ppap
