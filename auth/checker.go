package auth

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/netip"
	"time"
)

// Config configures a Checker; the zero value of each field takes the
// default given.
type Config struct {
	// Disabled turns the checks off: Check returns Results with Skipped
	// set, without reading the message.
	Disabled bool
	// Resolver answers DNS questions (default: NewDNS with DNSConfig{}).
	Resolver Resolver
	// TrustedAuthservID, when set, names the upstream whose
	// Authentication-Results are used instead of checking SPF and DKIM
	// again (see Check).
	TrustedAuthservID string
	// ProtectedDomains are the domains whose lookalikes are reported: the
	// relay's own domains and any others an admin lists.
	ProtectedDomains []string
	// Timeout bounds one Check, DNS included (default 20s). Checks cut
	// short end as temperror.
	Timeout time.Duration
	// MaxSignatures is the most DKIM signatures verified per message
	// (default 5); each costs a DNS lookup and a public-key operation.
	MaxSignatures int
	// MaxHeaderBytes bounds the header section read (default 1 MiB). A
	// larger one is not authenticated (permerror).
	MaxHeaderBytes int
}

// Checker runs the checks. It is safe for concurrent use.
type Checker struct {
	cfg       Config
	protected []protectedDomain
}

// NewChecker returns a Checker for cfg.
func NewChecker(cfg Config) (*Checker, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 20 * time.Second
	}
	if cfg.MaxSignatures <= 0 {
		cfg.MaxSignatures = 5
	}
	if cfg.MaxHeaderBytes <= 0 {
		cfg.MaxHeaderBytes = 1 << 20
	}
	if cfg.Resolver == nil && !cfg.Disabled {
		d, err := NewDNS(DNSConfig{})
		if err != nil {
			return nil, err
		}
		cfg.Resolver = d
	}
	c := &Checker{cfg: cfg}
	seen := map[string]bool{}
	for _, d := range cfg.ProtectedDomains {
		p, ok := newProtectedDomain(d)
		if !ok {
			return nil, fmt.Errorf("protected domain %q is not a domain name", d)
		}
		if !seen[p.ascii] {
			seen[p.ascii] = true
			c.protected = append(c.protected, p)
		}
	}
	return c, nil
}

// Input is the SMTP side of a message: who connected, as the upstream saw
// it when it forwards that (XFORWARD, XCLIENT, PROXY), else the client.
type Input struct {
	// Client is the address of the host that handed the message to the
	// first server under our control; the zero Addr when unknown (SPF is
	// then none).
	Client netip.Addr
	// Helo is that host's HELO/EHLO name.
	Helo string
	// MailFrom is the reverse-path, "" for the null sender.
	MailFrom string
}

// Check authenticates the message read from msg, the original as it
// arrived (CRLF or LF line ends). It reads the header section and, when
// the message has DKIM signatures, the body once; msg need not be
// re-readable, but the relay passes a fresh reader over its spool (an
// io.SectionReader over the spool file or buffer) since it reads the
// message again to rebuild it.
//
// With Config.TrustedAuthservID set and an Authentication-Results field
// of that authserv-id in the header, its spf, dkim and dmarc results are
// taken instead of checking again (RFC 8601 §5: the upstream removes
// fields bearing its own authserv-id that came from outside, so every
// field with that id is its own). A missing dmarc result is computed from
// the upstream's spf and dkim results; a missing field means we check.
//
// The error is non-nil only when reading msg failed (the relay's own
// problem, a 451); every DNS or message problem is in the Results.
func (c *Checker) Check(ctx context.Context, in Input, msg io.Reader) (*Results, error) {
	if c.cfg.Disabled {
		return NotChecked(), nil
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()

	br := bufio.NewReaderSize(msg, 16<<10)
	hr, err := readMessageHeader(br, c.cfg.MaxHeaderBytes)
	if err != nil {
		return nil, err
	}
	res := &Results{From: parseFrom(hr.h, hr.malformed)}
	if hr.tooLarge {
		res.From = FromHeader{Problem: "header section too large"}
	}

	upstream := false
	if id := c.cfg.TrustedAuthservID; id != "" && !hr.tooLarge {
		upstream = applyUpstream(res, hr.h, id)
	}
	if !upstream {
		if err := c.checkOwn(ctx, res, in, hr, br); err != nil {
			return nil, err
		}
	}
	if !upstream || res.DMARC.Value == "" {
		var d dmarcRecord
		if res.From.Problem == "" {
			d = discoverPolicy(ctx, c.cfg.Resolver, res.From.Domain)
		}
		res.DMARC = evaluateDMARC(res.From, res.SPF, res.DKIM, d)
	}
	res.Findings = impersonation(res.From, c.protected)
	return res, nil
}

// checkOwn runs SPF and DKIM, at the same time: SPF waits on DNS while
// DKIM reads and hashes the body.
func (c *Checker) checkOwn(ctx context.Context, res *Results, in Input, hr *headerReader, body io.Reader) error {
	spfDone := make(chan SPFResult, 1)
	go func() { spfDone <- checkSPF(ctx, c.cfg.Resolver, in) }()
	if hr.tooLarge {
		res.DKIM = []DKIMResult{{Value: PermError, Reason: "header section too large"}}
	} else {
		var err error
		res.DKIM, err = checkDKIM(ctx, c.cfg.Resolver, io.MultiReader(bytes.NewReader(hr.raw), body), c.cfg.MaxSignatures)
		if err != nil {
			<-spfDone
			return fmt.Errorf("read message: %w", err)
		}
	}
	res.SPF = <-spfDone
	return nil
}

// NotChecked returns the Results of a message not checked (Skipped, every
// value none): with checking off, or for mail the relay does not check.
func NotChecked() *Results {
	return &Results{
		Skipped: true,
		SPF:     SPFResult{Value: None, Reason: "not checked"},
		DKIM:    []DKIMResult{{Value: None, Reason: "not checked"}},
		DMARC:   DMARCResult{Value: None, Reason: "not checked", Percent: 100},
	}
}
