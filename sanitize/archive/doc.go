// Package archive reads zip, gzip and tar archives (and tar inside gzip)
// held in memory, entry by entry, under hard limits, so that the sanitizer
// can turn what is inside into text without ever extracting anything to a
// file system.
//
// Formats and the rules this package takes from them:
//
//   - zip: PKWARE APPNOTE.TXT 6.3.x, read with archive/zip. Names without the
//     UTF-8 flag (general purpose bit 11, APPNOTE 4.4.4 and appendix D) are
//     in the writer's legacy code page: for mail sent to Japanese
//     municipalities that is Shift_JIS/CP932 (Windows Explorer, Lhaplus),
//     with IBM code page 437, the APPNOTE default, as the fallback. The
//     Info-ZIP Unicode Path extra field (0x7075, APPNOTE 4.6.9) wins when its
//     CRC matches the header name. Encryption is the traditional PKWARE flag
//     (bit 0, APPNOTE 6.1), strong encryption (bit 6, bit 13) or the WinZip
//     AES extra field (0x9901, AE-x, method 99); Walk reports such entries
//     with Encrypted set and never reads them.
//   - gzip: RFC 1952, read with compress/gzip; the FNAME header field
//     (nominally ISO 8859-1, RFC 1952 §2.3.1) names the single entry.
//   - tar: POSIX.1-2001 pax and ustar (IEEE Std 1003.1, "pax" utility) and
//     the GNU extensions, read with archive/tar. Only regular files are read.
//   - tgz: a gzip stream that holds a tar.
//
// Password-protected zips ("PPAP" in Japanese business mail) are opened
// only with a password, by OpenEncrypted and Encrypted.Decrypt (see
// encrypted.go and package zipcrypt for the two ciphers, PKWARE traditional
// encryption and WinZip AES): a quick check tells a wrong password in
// microseconds (traditional) or about a millisecond (AES), and Decrypt
// returns a plain zip of the same members, which Walk then reads under the
// same limits as any other — nothing is decompressed on the way.
//
// 7z, RAR, LZH, bzip2, xz, zstd and CAB are recognised by Detect so the
// caller can name what it removed, but not opened: Walk returns
// ErrUnsupported.
//
// Every entry path is decoded to UTF-8, split at "/" and "\", and rebuilt
// from cleaned elements (textclean.Filename), without drive letters, "."
// or ".." elements and without a leading "/": nothing in an Entry can point
// outside the archive. Nested archives are returned as bytes; the caller
// recurses with its own depth limit and its own budget.
//
// Limits. Everything an archive declares is a claim; Walk bounds what it
// actually decompresses. Each entry is read through a limit of
// min(EntryBytes, what is left of TotalBytes, Ratio × compressed size) plus
// one byte, so a bomb costs at most that much work however its headers lie.
// Zip archives are checked before the first entry is read: the number of
// entries against Limits.Entries, and the entries' data ranges against each
// other (see OverlapError), which stops the overlapping-entry bombs
// (David Fifield's "zbsm", 2019) that no per-entry limit can see.
//
// The package has no state; Walk may be called concurrently.
package archive
