//go:build mugai_testdns

// This file is compiled only with -tags mugai_testdns, which no release
// build sets: the end-to-end tests build the binary with it, so that no
// query of sender authentication can leave loopback whatever a test's
// configuration says (the embedded default asks the resolvers of
// /etc/resolv.conf).

package main

import (
	"log/slog"

	"github.com/mugai/mugai/internal/authtest"
)

// dnsGuard refuses, and logs, every query to a server not on loopback.
func dnsGuard(log *slog.Logger) func(server string) error {
	return func(server string) error {
		err := authtest.CheckLoopback(server)
		if err != nil {
			log.Error(dnsGuardLog, "server", server, "err", err)
		}
		return err
	}
}
