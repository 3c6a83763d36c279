package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"filippo.io/age"

	"github.com/mugai/mugai/config"
	"github.com/mugai/mugai/gateway"
	"github.com/mugai/mugai/vault"
)

const vaultUsage = `usage:
  mugai vault list [-config FILE] [filters] [-limit N] [-cursor C] [-json]
      filters: -id -queue-id -message-id -sha256 -mail-from -rcpt -client -helo
               -from -to -subject WORDS -verdict -state S -held -since T -until T
  mugai vault show [-config FILE] [-json] [-report] ID
  mugai vault get [-config FILE] [-identity FILE] [-o OUT] [-reason TEXT] ID
  mugai vault release [-config FILE] [-identity FILE] [-lgwan] [-to ADDR,...] [-reason TEXT] ID
  mugai vault hold [-config FILE] [-off] [-reason TEXT] ID
  mugai vault purge [-config FILE] [-reason TEXT] ID
  mugai vault audit [-config FILE] [-verify] [-from N] [-json]
  mugai vault sweep [-config FILE]
  mugai vault keygen -o IDENTITY_FILE [-recipients FILE]
T is a date (2025-01-14), a time (2025-01-14T09:30:00+09:00) or an age (24h, 7d).
-as NAME names who acts in the audit log (default cli:<login name>).`

// vaultCmd implements "mugai vault ...". Exit 0: done. Exit 1: usage,
// configuration, I/O or a missing entry. Exit 2: refused by policy or
// check — an LGWAN release that the configuration denies, a purge of a
// held entry, an audit chain that fails -verify.
func (e *env) vaultCmd(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, vaultUsage)
		return exitError
	}
	sub, args := args[0], args[1:]
	if sub == "keygen" {
		return e.vaultKeygen(args)
	}
	cmds := map[string]func(*vaultRun, []string) int{
		"list": (*vaultRun).list, "show": (*vaultRun).show, "get": (*vaultRun).get,
		"release": (*vaultRun).release, "hold": (*vaultRun).hold, "purge": (*vaultRun).purge,
		"audit": (*vaultRun).audit, "sweep": (*vaultRun).sweep,
	}
	cmd, ok := cmds[sub]
	if !ok {
		if sub == "help" || sub == "-h" || sub == "-help" || sub == "--help" {
			fmt.Fprintln(e.stdout, vaultUsage)
			return exitOK
		}
		return e.fail(exitError, "vault: unknown command %q (try: mugai vault help)", sub)
	}
	return cmd(&vaultRun{env: e, name: "vault " + sub}, args)
}

// vaultRun is one vault subcommand: its flags, config and open vault.
type vaultRun struct {
	*env
	name    string
	fs      *flag.FlagSet
	cfgPath *string
	actor   *string
	cfg     *config.Config
	v       *vault.Vault
}

// flags starts the flag set with the flags every subcommand has.
func (r *vaultRun) flags() *flag.FlagSet {
	r.fs = r.newFlagSet(r.name)
	r.cfgPath = r.fs.String("config", "", "config file (default: the embedded defaults)")
	r.actor = r.fs.String("as", "", "who acts, for the audit log")
	return r.fs
}

// parse reads flags and positional arguments in any order (an id may
// come before or after the flags) and opens the vault; it returns the
// positional arguments, or an exit code.
func (r *vaultRun) parse(args []string, nargs int, usage string) ([]string, int) {
	var pos []string
	for {
		if err := r.fs.Parse(args); err != nil {
			return nil, r.fail(exitError, "%s: %v", r.name, err)
		}
		if r.fs.NArg() == 0 {
			break
		}
		pos = append(pos, r.fs.Arg(0))
		args = r.fs.Args()[1:]
	}
	if len(pos) != nargs {
		return nil, r.fail(exitError, "usage: mugai %s", usage)
	}
	cfg, err := loadConfig(*r.cfgPath)
	if err != nil {
		return nil, r.fail(exitError, "%s", oneLine(err))
	}
	r.cfg = cfg
	v, err := openVault(context.Background(), cfg)
	if err != nil {
		return nil, r.fail(exitError, "%s: %s", r.name, oneLine(err))
	}
	r.v = v
	return pos, -1
}

// openVault opens the configured vault for the command line: reading
// and managing, never storing, so it needs no recipient keys.
func openVault(ctx context.Context, cfg *config.Config) (*vault.Vault, error) {
	vc := cfg.Vault
	if vc.Backend == config.VaultSQLite {
		// Do not create an empty vault where none is (a mistyped path).
		if _, err := os.Stat(filepath.Join(vc.Path, "index.db")); err != nil {
			return nil, fmt.Errorf("no vault in %s (vault.path): %w", vc.Path, err)
		}
	}
	return vault.Open(ctx, gateway.VaultConfig(cfg, slog.New(slog.DiscardHandler)))
}

// who names the actor in the audit log.
func (r *vaultRun) who() string {
	if *r.actor != "" {
		return "cli:" + *r.actor
	}
	if u, err := user.Current(); err == nil {
		return "cli:" + u.Username
	}
	return fmt.Sprintf("cli:uid%d", os.Getuid())
}

// done closes the vault and returns code.
func (r *vaultRun) done(code int) int {
	if r.v != nil {
		r.v.Close()
	}
	return code
}

// failErr reports err on one line with the exit code its kind calls for.
func (r *vaultRun) failErr(err error) int {
	code := exitError
	if errors.Is(err, vault.ErrLGWANDenied) || errors.Is(err, vault.ErrHeld) {
		code = exitRejected
	}
	return r.done(r.fail(code, "%s: %s", r.name, oneLine(err)))
}

func (r *vaultRun) list(args []string) int {
	fs := r.flags()
	var q vault.Query
	for name, p := range map[string]*string{
		"id": &q.ID, "queue-id": &q.QueueID, "message-id": &q.MessageID, "sha256": &q.SHA256,
		"mail-from": &q.MailFrom, "rcpt": &q.Rcpt, "client": &q.Client, "helo": &q.Helo,
		"from": &q.From, "to": &q.To, "subject": &q.Subject, "verdict": &q.Verdict, "cursor": &q.Cursor,
	} {
		fs.StringVar(p, name, "", "match "+name)
	}
	state := fs.String("state", "", "stored, delivered, undelivered (with stored) or purged")
	since := fs.String("since", "", "received at or after T")
	until := fs.String("until", "", "received before T")
	fs.BoolVar(&q.Held, "held", false, "only entries under legal hold")
	fs.IntVar(&q.Limit, "limit", 50, "entries per page (at most 1000)")
	asJSON := fs.Bool("json", false, "one JSON object per entry")
	if _, code := r.parse(args, 0, "vault list [filters]"); code >= 0 {
		return code
	}
	now := time.Now()
	var err error
	if q.Since, err = parseWhen(*since, now); err == nil {
		q.Until, err = parseWhen(*until, now)
	}
	if err != nil {
		return r.done(r.fail(exitError, "%s: %v", r.name, err))
	}
	switch s := vault.State(*state); s {
	case "", vault.StateStored, vault.StateDelivered, vault.StateUndelivered, vault.StatePurged:
		q.State = s
	default:
		return r.done(r.fail(exitError, "%s: -state %q: use stored, delivered, undelivered or purged", r.name, *state))
	}
	page, err := r.v.Search(context.Background(), q)
	if err != nil {
		return r.failErr(err)
	}
	if *asJSON {
		enc := json.NewEncoder(r.stdout)
		for _, en := range page.Entries {
			enc.Encode(en)
		}
	} else {
		tw := tabwriter.NewWriter(r.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tRECEIVED\tSTATE\tFROM\tSUBJECT")
		for _, en := range page.Entries {
			from, subject := en.Envelope.MailFrom, ""
			if o := en.Outcome; o != nil {
				if o.Headers.From != "" {
					from = o.Headers.From
				}
				subject = o.Headers.Subject
			}
			state := string(en.State)
			if en.Held {
				state += ",held"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", en.ID, en.Envelope.Received.Local().Format("2006-01-02 15:04:05"),
				state, clip(from, 40), clip(subject, 60))
		}
		tw.Flush()
	}
	if page.Next != "" {
		fmt.Fprintf(r.stderr, "mugai: more entries: add -cursor %s\n", page.Next)
	}
	return r.done(exitOK)
}

// clip shortens s to n characters for a table, on one line.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if rs := []rune(s); len(rs) > n {
		return string(rs[:n-1]) + "…"
	}
	return s
}

// parseWhen reads a -since/-until value: "" (none), a date, an RFC 3339
// time, or an age before now ("24h", "7d").
func parseWhen(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return t, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(d, "%d", &n); err == nil && fmt.Sprint(n) == d {
			return now.Add(-time.Duration(n) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date (2025-01-14), a time (2025-01-14T09:30:00+09:00) or an age (24h, 7d)", s)
}

func (r *vaultRun) show(args []string) int {
	fs := r.flags()
	asJSON := fs.Bool("json", false, "the entry and its events as JSON")
	report := fs.Bool("report", false, "print the sanitizer's report (JSON)")
	pos, code := r.parse(args, 1, "vault show [-json] [-report] ID")
	if code >= 0 {
		return code
	}
	ctx := context.Background()
	en, err := r.v.Entry(ctx, pos[0])
	if err != nil {
		return r.failErr(err)
	}
	evs, err := r.v.Events(ctx, en.ID)
	if err != nil {
		return r.failErr(err)
	}
	switch {
	case *report:
		if en.Outcome == nil || len(en.Outcome.Report) == 0 {
			return r.done(r.fail(exitError, "%s: %s has no report", r.name, en.ID))
		}
		r.stdout.Write(append(en.Outcome.Report, '\n'))
	case *asJSON:
		enc := json.NewEncoder(r.stdout)
		enc.SetIndent("", "  ")
		enc.Encode(struct {
			*vault.Entry
			Events []vault.Event `json:"events"`
		}{en, evs})
	default:
		printEntry(r.stdout, en, evs)
	}
	return r.done(exitOK)
}

// printEntry writes an entry for a person.
func printEntry(w io.Writer, en *vault.Entry, evs []vault.Event) {
	tw := tabwriter.NewWriter(w, 0, 4, 1, ' ', 0)
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", k, v)
		}
	}
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Local().Format(time.RFC3339)
	}
	env := en.Envelope
	state := string(en.State)
	if en.Held {
		state += " (legal hold)"
	}
	line("ID", en.ID)
	line("State", state)
	line("Received", ts(env.Received))
	line("Queue ID", env.QueueID)
	line("Client", env.Client)
	line("HELO", env.Helo)
	line("MAIL FROM", "<"+env.MailFrom+">")
	line("RCPT TO", strings.Join(env.Rcpts, ", "))
	line("Size", fmt.Sprintf("%d bytes (stored encrypted: %d)", en.Size, en.StoredSize))
	line("SHA-256", en.SHA256)
	line("Expires", ts(en.Expires))
	line("Purged", ts(en.Purged))
	if en.Attempts > 1 {
		line("Attempts", fmt.Sprintf("%d (last %s)", en.Attempts, ts(en.LastSeen)))
	}
	if o := en.Outcome; o != nil {
		h := o.Headers
		line("From", h.From)
		line("To", h.To)
		line("Subject", h.Subject)
		line("Date", h.Date)
		if h.MessageID != "" {
			line("Message-ID", "<"+h.MessageID+">")
		}
		line("Verdict", o.Verdict)
		line("Reply", o.Reply)
		if o.DeliveredSHA256 != "" {
			line("Delivered", fmt.Sprintf("%d bytes, SHA-256 %s", o.DeliveredSize, o.DeliveredSHA256))
		}
	}
	tw.Flush()
	fmt.Fprintln(w, "Events:")
	for _, ev := range evs {
		fmt.Fprintf(w, "  %s  %-8s %s", ts(ev.At), ev.Kind, ev.Actor)
		if ev.QueueID != "" {
			fmt.Fprintf(w, " queue=%s", ev.QueueID)
		}
		if ev.Detail != "" {
			fmt.Fprintf(w, " %s", ev.Detail)
		}
		fmt.Fprintln(w)
	}
}

// identities loads the identity file: -identity, else vault.identity_file
// (or the vault directory's identity.txt).
func (r *vaultRun) identities(flagValue string) ([]age.Identity, error) {
	path := flagValue
	if path == "" {
		_, path = r.cfg.Vault.KeyFiles()
	}
	return vault.LoadIdentities(path)
}

func (r *vaultRun) get(args []string) int {
	fs := r.flags()
	idFile := fs.String("identity", "", "identity file (default: vault.identity_file)")
	out := fs.String("o", "", "write the original to this file (default: standard output)")
	reason := fs.String("reason", "", "why, for the audit log")
	pos, code := r.parse(args, 1, "vault get [-identity FILE] [-o OUT] ID")
	if code >= 0 {
		return code
	}
	ids, err := r.identities(*idFile)
	if err != nil {
		return r.failErr(err)
	}
	rc, _, err := r.v.Original(context.Background(), pos[0], vault.Access{Actor: r.who(), Reason: *reason, Identities: ids})
	if err != nil {
		return r.failErr(err)
	}
	defer rc.Close()
	if *out == "" {
		if _, err := io.Copy(r.stdout, rc); err != nil {
			return r.failErr(err)
		}
		return r.done(exitOK)
	}
	// A new file is 0600: an original is confidential.
	if err := writeOutput(*out, 0o600, rc); err != nil {
		return r.failErr(err)
	}
	return r.done(exitOK)
}

func (r *vaultRun) hold(args []string) int {
	fs := r.flags()
	off := fs.Bool("off", false, "release the hold")
	reason := fs.String("reason", "", "why, for the audit log")
	pos, code := r.parse(args, 1, "vault hold [-off] [-reason TEXT] ID")
	if code >= 0 {
		return code
	}
	if err := r.v.SetHold(context.Background(), pos[0], !*off, r.who(), *reason); err != nil {
		return r.failErr(err)
	}
	return r.done(exitOK)
}

func (r *vaultRun) purge(args []string) int {
	fs := r.flags()
	reason := fs.String("reason", "", "why, for the audit log")
	pos, code := r.parse(args, 1, "vault purge [-reason TEXT] ID")
	if code >= 0 {
		return code
	}
	if err := r.v.Purge(context.Background(), pos[0], r.who(), *reason); err != nil {
		return r.failErr(err)
	}
	return r.done(exitOK)
}

func (r *vaultRun) audit(args []string) int {
	fs := r.flags()
	verify := fs.Bool("verify", false, "check the hash chain; exit 2 when a record was changed or removed")
	from := fs.Int64("from", 1, "first record")
	asJSON := fs.Bool("json", false, "one JSON object per record")
	if _, code := r.parse(args, 0, "vault audit [-verify] [-from N] [-json]"); code >= 0 {
		return code
	}
	ctx := context.Background()
	if *verify {
		c, err := r.v.VerifyAudit(ctx)
		if err != nil {
			return r.failErr(err)
		}
		if !c.OK() {
			for _, p := range c.Problems {
				fmt.Fprintf(r.stdout, "%s\n", p)
			}
			return r.done(r.fail(exitRejected, "vault audit: the chain is broken: %d problem(s) in %d records", len(c.Problems), c.Records))
		}
		fmt.Fprintf(r.stdout, "audit log intact: %d records, head %d %s\n", c.Records, c.HeadSeq, c.Head)
		return r.done(exitOK)
	}
	enc := json.NewEncoder(r.stdout)
	tw := tabwriter.NewWriter(r.stdout, 0, 4, 2, ' ', 0)
	if !*asJSON {
		fmt.Fprintln(tw, "SEQ\tTIME\tACTOR\tACTION\tENTRY\tDETAIL")
	}
	err := r.v.Audit(ctx, *from, func(rec vault.AuditRecord) error {
		if *asJSON {
			return enc.Encode(rec)
		}
		_, err := fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", rec.Seq, rec.At.Local().Format(time.RFC3339),
			rec.Actor, rec.Action, rec.EntryID, clip(rec.Detail, 100))
		return err
	})
	tw.Flush()
	if err != nil {
		return r.failErr(err)
	}
	return r.done(exitOK)
}

func (r *vaultRun) sweep(args []string) int {
	r.flags()
	if _, code := r.parse(args, 0, "vault sweep"); code >= 0 {
		return code
	}
	res, err := r.v.Sweep(context.Background())
	if err != nil {
		return r.failErr(err)
	}
	fmt.Fprintf(r.stdout, "purged %d entries, deleted %d objects\n", res.Purged, res.Objects)
	return r.done(exitOK)
}

// vaultKeygen implements "mugai vault keygen -o FILE [-recipients FILE]":
// a new key pair; the identity goes to a new file (mode 0600, never
// replacing one), the public key to standard output and, with
// -recipients, to the end of that file (created if missing).
func (e *env) vaultKeygen(args []string) int {
	fs := e.newFlagSet("vault keygen")
	out := fs.String("o", "", "identity file to create (mode 0600)")
	rfile := fs.String("recipients", "", "also add the public key to this recipients file")
	if err := fs.Parse(args); err != nil {
		return e.fail(exitError, "vault keygen: %v", err)
	}
	if *out == "" || fs.NArg() != 0 {
		return e.fail(exitError, "usage: mugai vault keygen -o IDENTITY_FILE [-recipients FILE]")
	}
	id, err := vault.GenerateKey()
	if err != nil {
		return e.fail(exitError, "vault keygen: %v", err)
	}
	if err := vault.WriteIdentityFile(*out, id, time.Now()); err != nil {
		return e.fail(exitError, "vault keygen: %v", err)
	}
	if *rfile != "" {
		if err := appendRecipient(*rfile, id.Recipient()); err != nil {
			return e.fail(exitError, "vault keygen: %v (the identity is in %s)", err, *out)
		}
	}
	fmt.Fprintln(e.stdout, id.Recipient())
	return exitOK
}

// appendRecipient adds a public key to a recipients file.
func appendRecipient(path string, r *age.X25519Recipient) error {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return vault.WriteRecipientsFile(path, r)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "%s\n", r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
