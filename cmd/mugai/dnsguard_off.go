//go:build !mugai_testdns

package main

import "log/slog"

// dnsGuard is the guard of sender authentication's DNS queries: none in
// a release build. (dnsguard_testdns.go is the one of the binary the
// end-to-end tests build.)
func dnsGuard(*slog.Logger) func(server string) error { return nil }
