package main

// dnsGuardLog is the log message of a DNS query the test build refused
// (dnsguard_testdns.go); the end-to-end tests fail on it.
const dnsGuardLog = "DNS GUARD: query refused"
