package console

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"filippo.io/age"

	"github.com/mugai/mugai/vault"
)

//go:embed templates/*.html static/*
var assets embed.FS

// Defaults for zero Options fields.
const (
	DefaultSessionLifetime = 12 * time.Hour
	DefaultIdleTimeout     = 30 * time.Minute
	DefaultLoginAttempts   = 5
	DefaultLockout         = 15 * time.Minute
)

// Options configure a Console.
type Options struct {
	// Vault is the originals vault; it also keeps the console's users,
	// sessions and release requests.
	Vault *vault.Vault
	// Releaser releases originals; nil, or one without an Internet
	// sender, hides the releases it cannot make.
	Releaser *vault.Releaser
	// Identities decrypt originals and delivered copies; without them
	// the console shows metadata only (no release, download or text).
	Identities []age.Identity
	// Links signs and checks recipient links; nil disables /r/.
	Links *Links
	// Language of the recipient page by default: "ja" (default) or "en".
	Language string
	// SessionLifetime bounds a session from sign-in; IdleTimeout ends it
	// after that long without a request.
	SessionLifetime, IdleTimeout time.Duration
	// LGWANApproval makes a release into the LGWAN wait for a second
	// person's approval.
	LGWANApproval bool
	// DownloadRole is the least role that may download originals;
	// default admin. RoleNone lets nobody.
	DownloadRole Role
	// RecipientSelfRelease lets a recipient send the original to their
	// own Internet-side mailbox from the recipient page.
	RecipientSelfRelease bool
	// LoginAttempts failures in a row lock an account for Lockout.
	LoginAttempts int
	Lockout       time.Duration
	// StateDir is where the initial admin's credential is written.
	StateDir string
	// Hash are the argon2id parameters of new password hashes; zero
	// means DefaultHashParams.
	Hash HashParams
	// PPAP opens held password-protected zips from the recipient page
	// (ppap.go); nil: the page shows none.
	PPAP PPAPOpener
	// Now is the clock; default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Console serves the web console and the recipient page.
type Console struct {
	opts  Options
	v     *vault.Vault
	log   *slog.Logger
	pages map[string]*template.Template
	// hashing bounds the argon2id computations running at once: each
	// takes HashParams.Memory.
	hashing chan struct{}
	login   *limiter // sign-in tries per client address
	links   *limiter // recipient page requests per client address
	actions *limiter // recipient actions per token

	dummyOnce sync.Once
	dummy     string

	dashMu   sync.Mutex
	dash     *dashboard
	hours    map[int64]*hourAgg // by the hour's Unix time
	auditMu  sync.Mutex
	auditChk *auditCheck
}

// New builds a console. It does not create the initial administrator:
// Start does that (EnsureAdmin), or the command line.
func New(opts Options) (*Console, error) {
	if opts.Vault == nil {
		return nil, errors.New("console: no vault")
	}
	if opts.Language == "" {
		opts.Language = "ja"
	}
	if opts.Language != "ja" && opts.Language != "en" {
		return nil, fmt.Errorf("console: unknown language %q (ja or en)", opts.Language)
	}
	if opts.SessionLifetime <= 0 {
		opts.SessionLifetime = DefaultSessionLifetime
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.DownloadRole == "" {
		opts.DownloadRole = RoleAdmin
	}
	if opts.LoginAttempts <= 0 {
		opts.LoginAttempts = DefaultLoginAttempts
	}
	if opts.Lockout <= 0 {
		opts.Lockout = DefaultLockout
	}
	if opts.Hash == (HashParams{}) {
		opts.Hash = DefaultHashParams
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	c := &Console{
		opts: opts, v: opts.Vault, log: opts.Logger, pages: pages,
		hashing: make(chan struct{}, 2),
		// 10 sign-in tries a minute from one address; lockout of the
		// account is the bound per user.
		login: newLimiter(10, time.Minute, opts.Now),
		// 60 page views a minute from one address.
		links: newLimiter(60, time.Minute, opts.Now),
		// 5 actions (send, ask) an hour on one link.
		actions: newLimiter(5, time.Hour, opts.Now),
	}
	return c, nil
}

func (c *Console) now() time.Time { return c.opts.Now() }

// Handler returns the console's HTTP handler: every route, behind the
// security headers and the cross-origin check.
func (c *Console) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))

	mux.HandleFunc("GET /login", c.loginPage)
	mux.HandleFunc("POST /login", c.loginSubmit)
	mux.HandleFunc("POST /logout", c.authed(RoleViewer, c.logout))

	mux.HandleFunc("GET /{$}", c.authed(RoleViewer, c.dashboardPage))
	mux.HandleFunc("GET /trace", c.authed(RoleViewer, c.tracePage))
	mux.HandleFunc("GET /trace.csv", c.authed(RoleViewer, c.traceCSV))
	mux.HandleFunc("GET /m/{id}", c.authed(RoleViewer, c.messagePage))
	mux.HandleFunc("GET /m/{id}/text", c.authed(RoleOperator, c.deliveredText))
	mux.HandleFunc("POST /m/{id}/release", c.authed(RoleOperator, c.releaseInternet))
	mux.HandleFunc("POST /m/{id}/lgwan", c.authed(RoleOperator, c.releaseLGWAN))
	mux.HandleFunc("POST /m/{id}/download", c.authed(RoleViewer, c.download))
	mux.HandleFunc("POST /m/{id}/hold", c.authed(RoleOperator, c.hold))
	mux.HandleFunc("POST /m/{id}/purge", c.authed(RoleAdmin, c.purge))
	mux.HandleFunc("GET /requests", c.authed(RoleViewer, c.requestsPage))
	mux.HandleFunc("POST /requests/{n}/approve", c.authed(RoleOperator, c.approveRequest))
	mux.HandleFunc("POST /requests/{n}/deny", c.authed(RoleOperator, c.denyRequest))
	mux.HandleFunc("GET /audit", c.authed(RoleViewer, c.auditPage))
	mux.HandleFunc("GET /users", c.authed(RoleAdmin, c.usersPage))
	mux.HandleFunc("POST /users", c.authed(RoleAdmin, c.addUser))
	mux.HandleFunc("POST /users/{name}/{op}", c.authed(RoleAdmin, c.changeUser))
	mux.HandleFunc("GET /account", c.authed(RoleViewer, c.accountPage))
	mux.HandleFunc("POST /account/password", c.authed(RoleViewer, c.changePassword))
	mux.HandleFunc("POST /account/totp", c.authed(RoleViewer, c.totpStart))
	mux.HandleFunc("GET /account/totp.png", c.authed(RoleViewer, c.totpImage))
	mux.HandleFunc("POST /account/totp/confirm", c.authed(RoleViewer, c.totpConfirm))
	mux.HandleFunc("POST /account/totp/remove", c.authed(RoleViewer, c.totpRemove))

	mux.HandleFunc("GET /r/{token}", c.recipientPage)
	mux.HandleFunc("POST /r/{token}/send", c.recipientSend)
	mux.HandleFunc("POST /r/{token}/ask", c.recipientAsk)
	mux.HandleFunc("POST /r/{token}/ppap", c.recipientPPAP)

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.fail(w, r, http.StatusForbidden, "This request came from another site and was refused.")
	}))
	return securityHeaders(cop.Handler(mux))
}

// contentSecurityPolicy allows the page's own stylesheet and images and
// nothing else: no script at all, no frames, forms only to this origin.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'"

// securityHeaders sets the headers every response carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		// The recipient page's URL holds its token: never send it on.
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if r.URL.Path != "/static/console.css" {
			h.Set("Cache-Control", "no-store")
		}
		// A form is small; nothing larger needs to be read.
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		next.ServeHTTP(w, r)
	})
}

// Run sweeps expired sessions every interval until ctx ends.
func (c *Console) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := c.v.SweepConsoleSessions(ctx); err != nil && ctx.Err() == nil {
			c.log.Warn("console: sweep sessions", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
