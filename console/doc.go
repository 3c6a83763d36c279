// Package console is mugai's web console and recipient page, on the
// originals vault.
//
// The console is for the staff who run the gateway: a dashboard (mail per
// hour by result, what was removed or converted, top sender domains,
// vault usage), message trace and search with CSV export, a page per
// message (envelope, decoded headers, the sanitizer's Report as a table,
// the delivered text, events) with the actions a role allows (release to
// the Internet-side mailbox, release into the LGWAN where configuration
// allows it — with a reason, and a second person's approval when
// required —, download of the original, legal hold, purge), the release
// requests to approve or deny, the audit log with the check of its hash
// chain, and the users. Roles: viewer (reads metadata), operator (also
// reads the delivered text, releases, holds, decides requests), admin
// (also purges, downloads originals, manages users).
//
// The recipient page, /r/<token>, is for a recipient of a message: the
// notice links to it with a token signed for that message and that
// recipient (Links). It shows what arrived and what was removed, and
// offers to send the original to the recipient's Internet-side mailbox or
// to ask the administrator to release it.
//
// # Security
//
// Pages are rendered on the server with html/template and work without
// JavaScript; charts are SVG drawn by the server; nothing is loaded from
// another site, and a strict Content-Security-Policy says so to the
// browser. Nothing of a message is rendered as HTML: headers, file names
// and text are data that html/template escapes. Sessions live in the
// vault's index database (so every instance sharing it knows them) under
// a hash of the cookie; the cookie is __Host-, Secure, HttpOnly and
// SameSite=Strict. Every form carries a CSRF token, and cross-origin
// POSTs are refused besides (net/http's CrossOriginProtection). Sign-in
// is rate limited per client address and locks an account after
// repeated failures; passwords are argon2id hashes (RFC 9106), with an
// optional TOTP second factor (RFC 6238). Every state-changing action is
// in the vault's audit log.
//
// The console listens on loopback only unless TLS is configured
// (ListenConfig.Check); browsers accept Secure cookies from
// http://127.0.0.1 and http://localhost, which they treat as secure
// contexts, so the loopback console works over plain HTTP, and anything
// else must be HTTPS — directly, or behind a reverse proxy that
// terminates TLS (ListenConfig.AllowInsecureRemote).
package console
