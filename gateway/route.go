package gateway

import (
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"

	"github.com/mugai/mugai/config"
	"github.com/mugai/mugai/smtpd"
	"github.com/mugai/mugai/smtpd/reply"
)

// routing is the configuration's routes compiled: relay.domains, and each
// route with its pipeline and target resolved.
type routing struct {
	relayDomains domains         // relay.domains; empty: any domain
	internal     config.Prefixes // relay.internal_networks
	routes       []route         // in the file's order; the first match wins
	fallback     route           // the sanitize and delivery sections
	targets      []Target        // every route's, once each, by name
}

// route is one destination and policy, and the conditions for taking it
// (a list that is empty is no condition).
type route struct {
	name       string // "policy target": smtpd keeps one per transaction
	clients    config.Prefixes
	senders    domains
	recipients domains
	pipeline   *pipeline
	target     Target
}

// newRouting compiles cfg's routes over the pipelines built for it (by
// policy name), making the targets they name: the delivery section's and
// each route's next hop, one Target per destination.
func newRouting(cfg *config.Config, pipelines map[string]*pipeline, hostname string, log *slog.Logger) (routing, error) {
	byName := map[string]Target{}
	target := func(t Target) Target {
		if old, ok := byName[t.Name()]; ok {
			return old
		}
		byName[t.Name()] = t
		return t
	}
	fallback := target(defaultTarget(cfg, hostname, log))
	at := func(policy, nextHop string) (route, error) {
		if policy == "" {
			policy = defaultPolicy
		}
		t := fallback
		if nextHop != "" {
			t = target(relayHop(cfg, hostname, nextHop, log))
		}
		p := pipelines[policy]
		if p == nil {
			// Built from the same validated config: cannot happen.
			return route{}, fmt.Errorf("route to %s: policy %q is not defined", t.Name(), policy)
		}
		return route{name: policy + " " + t.Name(), pipeline: p, target: t}, nil
	}
	rt := routing{relayDomains: newDomains(cfg.Relay.Domains), internal: cfg.Relay.InternalNetworks}
	var err error
	if rt.fallback, err = at("", ""); err != nil {
		return routing{}, err
	}
	for _, cr := range cfg.Routes {
		r, err := at(cr.Policy, cr.NextHop)
		if err != nil {
			return routing{}, err
		}
		r.clients, r.senders, r.recipients = cr.ClientNetworks, newDomains(cr.SenderDomains), newDomains(cr.RecipientDomains)
		rt.routes = append(rt.routes, r)
	}
	for _, t := range byName {
		rt.targets = append(rt.targets, t)
	}
	slices.SortFunc(rt.targets, func(a, b Target) int { return strings.Compare(a.Name(), b.Name()) })
	return rt, nil
}

// matches reports whether a message from client with the given sender
// and recipient domains takes r: every list that is set must match, and a
// list matches when any item does. An empty sender domain (the null
// sender of a bounce) matches no sender list.
func (r *route) matches(client netip.Addr, sender, recipient string) bool {
	return (len(r.recipients) == 0 || r.recipients.contains(recipient)) &&
		(len(r.senders) == 0 || r.senders.contains(sender)) &&
		(len(r.clients) == 0 || r.clients.Contains(client))
}

// pick returns the first route that matches, else the fallback.
func (rt *routing) pick(client netip.Addr, sender, recipient string) *route {
	for i := range rt.routes {
		if rt.routes[i].matches(client, sender, recipient) {
			return &rt.routes[i]
		}
	}
	return &rt.fallback
}

// Route implements smtpd.Router: relay policy, then the first configured
// route that matches the client, sender domain and recipient domain picks
// the policy and the target; without one, the sanitize and delivery
// sections do. Each transaction gets a message of its own (package doc).
//
// rcpt is the address exactly as the next hop will receive it (smtpd's
// canonical form), so the domain checked is the domain the mail goes to.
func (g *Gateway) Route(env *smtpd.Envelope, rcpt string) (smtpd.Route, error) {
	to, err := smtpd.ParseMailbox(rcpt)
	if err != nil || to.Domain == "" {
		// smtpd hands over canonical addresses only; refuse rather than
		// guess where the domain starts.
		return smtpd.Route{}, reply.New(reply.MailboxNameNotAllowed, reply.AddressDestinationSyntax, "invalid recipient address")
	}
	from, err := smtpd.ParseMailbox(env.From)
	if err != nil {
		return smtpd.Route{}, reply.New(reply.MailboxNameNotAllowed, reply.AddressSenderSyntax, "invalid sender address")
	}
	// relay.domains binds mail entering the closed network. Mail leaving
	// it (from relay.internal_networks) goes to any Internet domain.
	client := env.Client.Addr().Unmap()
	rt := &g.routing
	if len(rt.relayDomains) > 0 && !rt.relayDomains.contains(to.Domain) && !rt.internal.Contains(client) {
		// RFC 5321 §3.6.2: a relay refuses destinations it does not
		// serve; RFC 3463 X.7.1 "delivery not authorized".
		return smtpd.Route{}, reply.New(reply.MailboxUnavailable, reply.SecurityDeliveryNotAuthorized, "relay not permitted")
	}
	r := rt.pick(client, from.Domain, to.Domain)
	m := r.pipeline.message(r.target)
	return smtpd.Route{Name: r.name, Filter: m, Begin: m.begin}, nil
}

// domains is a set of domain names, matched exactly: a name covers
// itself, not its subdomains, because an accidental wildcard is how a
// relay becomes open. It is the relay's one domain matcher (relay.domains,
// routes' sender_domains and recipient_domains).
type domains map[string]bool

func newDomains(list []string) domains {
	if len(list) == 0 {
		return nil
	}
	s := make(domains, len(list))
	for _, d := range list {
		s[foldDomain(d)] = true
	}
	return s
}

// contains reports whether d is in the set, ignoring ASCII letter case
// and one trailing dot. smtpd hands over domains in canonical form (lower
// case, A-labels), and config stores them so; only ASCII letters fold, so
// that no other spelling can match: Unicode case folding (strings.ToLower,
// strings.EqualFold) would let "K" (U+212A KELVIN SIGN) match "k".
func (s domains) contains(d string) bool { return s[foldDomain(d)] }

// foldDomain lower-cases the ASCII letters of d and drops one trailing
// dot.
func foldDomain(d string) string {
	d = strings.TrimSuffix(d, ".")
	for i := 0; i < len(d); i++ {
		if 'A' <= d[i] && d[i] <= 'Z' {
			b := []byte(d)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return d
}
