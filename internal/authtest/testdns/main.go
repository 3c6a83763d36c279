// Command testdns is the DNS server of the shell scripts' tests
// (scripts/postfix-test.sh, scripts/haproxy-test.sh): it serves the
// records of a zone file on a free port of a loopback address, over UDP
// and TCP, as package authtest's server does for the Go tests, so that
// mugai's sender authentication (dns.servers) asks nothing beyond
// loopback.
//
//	testdns [-host 127.0.0.1] ZONEFILE
//
// ZONEFILE has one record per line in RFC 1035 master-file form, names
// fully qualified ("sender.jp. 300 IN TXT \"v=spf1 ip4:127.0.0.5 -all\"");
// blank lines and lines starting with ';' are skipped. It prints
// "listening HOST:PORT" when it serves, and serves until killed.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/mugai/mugai/internal/authtest"
)

func main() {
	host := flag.String("host", "127.0.0.1", "loopback address to listen on")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: testdns [-host 127.0.0.1] ZONEFILE")
		os.Exit(1)
	}
	s, stop, err := authtest.ListenDNS(*host)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testdns:", err)
		os.Exit(1)
	}
	defer stop()
	if err := load(s, flag.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, "testdns:", err)
		os.Exit(1)
	}
	fmt.Println("listening", s.Addr)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
}

// load adds the records of a zone file.
func load(s *authtest.DNSServer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, ";") {
			continue
		}
		if err := s.Add(line); err != nil {
			return fmt.Errorf("%s:%d: %v", path, n, err)
		}
	}
	return sc.Err()
}
