package auth_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/netip"
	"strings"

	"github.com/mugai/mugai/auth"
	"github.com/mugai/mugai/internal/authtest"
)

// Example shows the calls the relay makes for one message: Check on the
// spooled original before the rebuild, Decide, then the header, the
// subject tags and the notice on the rebuilt message. (Here the DNS has
// no records, so SPF, DKIM and DMARC are none; the display name still
// gives the impersonation away.)
func Example() {
	// Once per configuration (start and reload): the resolver and the
	// checker, from config.DNSConfig and config.AuthConfig.
	resolver := authtest.NoDNS{} // in the relay: auth.NewDNS(cfg.DNSConfig())
	checker, err := auth.NewChecker(auth.Config{Resolver: resolver, ProtectedDomains: []string{"city.example.lg.jp"}})
	if err != nil {
		log.Fatal(err)
	}
	policy := auth.Policy{OnFail: auth.FailTag, OnTempError: auth.TempDeliver, SubjectTag: "[なりすまし注意]", ExternalTag: "[外部]"}

	// Per message, before the rebuild: a fresh reader over the spool.
	var spool io.Reader = strings.NewReader("From: \"soumu@city.example.lg.jp\" <info@attacker.example>\r\n" +
		"Subject: 至急\r\n\r\n振込先が変わりました。\r\n")
	res, err := checker.Check(context.Background(), auth.Input{
		Client:   netip.MustParseAddr("198.51.100.7"), // from XFORWARD/XCLIENT/PROXY, else the client
		Helo:     "mail.attacker.example",
		MailFrom: "info@attacker.example",
	}, spool)
	if err != nil {
		log.Fatal(err) // the spool could not be read: 451 4.3.0
	}
	v := auth.Decide(res, policy, auth.Facts{External: true})
	if err := v.Err(); err != nil {
		log.Fatal(err) // Reject or Defer: err is the *reply.Reply for the client
	}

	// On the rebuilt message (and in the log line and the metrics).
	fmt.Println("Authentication-Results:", res.AuthenticationResults("gw.city.example.lg.jp"))
	fmt.Println("Subject tags:", v.SubjectTags) // sanitize.Additions.SubjectTags
	fmt.Println(v.Action, v.Codes())
	for _, line := range v.Notice {
		fmt.Println(line)
	}
	// Output:
	// Authentication-Results: gw.city.example.lg.jp; spf=none reason="no SPF record" smtp.mailfrom=attacker.example; dkim=none reason="no signature"; dmarc=none reason="no DMARC record" header.from=attacker.example
	// Subject tags: [[なりすまし注意] [外部]]
	// deliver [display-name]
	// 差出人の表示名に、実際の差出人 (info@attacker.example) とは別のアドレス (soumu@city.example.lg.jp) が書かれています。差出人を偽ったメールの可能性があります。
}
