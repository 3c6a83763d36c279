package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mugai/mugai/vault"
)

// Role is what a console user may do.
type Role string

// Roles, each allowed what the one before is and more.
const (
	RoleViewer   Role = "viewer"
	RoleOperator Role = "operator"
	RoleAdmin    Role = "admin"
	// RoleNone is above every role: an action set to it is allowed to
	// nobody (Options.DownloadRole).
	RoleNone Role = "none"
)

// Roles lists the roles a user can have.
func Roles() []Role { return []Role{RoleViewer, RoleOperator, RoleAdmin} }

func (r Role) rank() int {
	switch r {
	case RoleViewer:
		return 1
	case RoleOperator:
		return 2
	case RoleAdmin:
		return 3
	case RoleNone:
		return 100
	}
	return 0
}

// Valid reports whether r is a role a user can have.
func (r Role) Valid() bool { return r.rank() >= 1 && r.rank() <= 3 }

// Cookie names. __Host- makes the browser refuse a cookie that is not
// Secure, has a Domain or a Path other than /, so a neighbour host cannot
// plant one (RFC 6265bis §4.1.3.2).
const (
	sessionCookie = "__Host-mugai-session"
	loginCookie   = "__Host-mugai-login"
)

// session is a signed-in request.
type session struct {
	*vault.ConsoleSession
	user *vault.ConsoleUser
}

func (s *session) actor() string { return "console:" + s.user.Name }

// can reports whether the user's role reaches r.
func (s *session) can(r Role) bool { return Role(s.user.Role).rank() >= r.rank() }

// randomToken returns n random bytes, base64url.
func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// sessionID is what the database keeps of a session cookie.
func sessionID(cookie string) string {
	h := sha256.Sum256([]byte("mugai console session\x00" + cookie))
	return hex.EncodeToString(h[:])
}

func setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode}
	switch {
	case maxAge < 0:
		c.MaxAge = -1
	case maxAge > 0:
		c.MaxAge = int(maxAge / time.Second)
	}
	http.SetCookie(w, c)
}

// clientAddr is the request's client address without the port (the
// proxy's, behind a reverse proxy).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// equalTokens compares secrets in constant time; empty never matches.
func equalTokens(a, b string) bool {
	return a != "" && b != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// touchEvery bounds how often a session's last activity is written.
const touchEvery = time.Minute

// authed wraps a handler that needs a signed-in user of at least role
// min; a POST must also carry the session's CSRF token.
func (c *Console) authed(min Role, h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := c.currentSession(r)
		if err != nil {
			if !errors.Is(err, vault.ErrNoSession) {
				c.serverError(w, r, err)
				return
			}
			if r.Method == http.MethodGet {
				next := "/login"
				if r.URL.Path != "/" {
					next += "?next=" + urlQueryEscape(r.URL.RequestURI())
				}
				http.Redirect(w, r, next, http.StatusSeeOther)
				return
			}
			c.fail(w, r, http.StatusUnauthorized, "Your session has ended. Sign in again.")
			return
		}
		if r.Method == http.MethodPost && !equalTokens(r.PostFormValue("csrf"), s.CSRF) {
			c.fail(w, r, http.StatusForbidden, "The form was refused: it lacks this session's security token. Reload the page and try again.")
			return
		}
		if !s.can(min) {
			c.fail(w, r, http.StatusForbidden, "Your role ("+s.user.Role+") does not allow this.")
			return
		}
		if s.user.MustChange && !strings.HasPrefix(r.URL.Path, "/account") && r.URL.Path != "/logout" {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/account", http.StatusSeeOther)
				return
			}
			c.fail(w, r, http.StatusForbidden, "Change your password first.")
			return
		}
		now := c.now()
		if now.Sub(s.Seen) > touchEvery {
			if err := c.v.TouchConsoleSession(r.Context(), s.ID, c.sessionExpiry(s.Created, now)); err != nil {
				c.log.Warn("console: touch session", "err", err)
			}
		}
		h(w, r, s)
	}
}

// sessionExpiry: IdleTimeout after the last request, at most
// SessionLifetime after sign-in.
func (c *Console) sessionExpiry(created, now time.Time) time.Time {
	idle, hard := now.Add(c.opts.IdleTimeout), created.Add(c.opts.SessionLifetime)
	if idle.Before(hard) {
		return idle
	}
	return hard
}

// currentSession finds the request's session (vault.ErrNoSession when it
// has none that is valid).
func (c *Console) currentSession(r *http.Request) (*session, error) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || len(ck.Value) < 20 || len(ck.Value) > 100 {
		return nil, vault.ErrNoSession
	}
	s, u, err := c.v.ConsoleSession(r.Context(), sessionID(ck.Value))
	if err != nil {
		return nil, err
	}
	return &session{ConsoleSession: s, user: u}, nil
}

type loginView struct {
	CSRF, Name, Next, Error string
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, err := c.currentSession(r); err == nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	c.showLogin(w, r, http.StatusOK, "", "")
}

// showLogin renders the sign-in form with a fresh login CSRF token: a
// double-submit cookie (there is no session yet to hold one).
func (c *Console) showLogin(w http.ResponseWriter, r *http.Request, status int, name, msg string) {
	tok := randomToken(24)
	setCookie(w, loginCookie, tok, 10*time.Minute)
	c.render(w, r, status, "login", nil, loginView{CSRF: tok, Name: name, Next: safeNext(r.FormValue("next")), Error: msg})
}

// safeNext keeps a redirect after sign-in on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}

// The one message for every failed sign-in: it does not tell which of
// the name, the password or the code was wrong, or that an account is
// locked.
const loginFailed = "Sign-in failed. Check the name, the password and the code; after repeated failures an account is locked for a while."

func (c *Console) loginSubmit(w http.ResponseWriter, r *http.Request) {
	ip := clientAddr(r)
	if !c.login.allow(ip) {
		c.log.Warn("console: sign-in rate limit", "client", ip)
		c.showLogin(w, r, http.StatusTooManyRequests, "", "Too many sign-in attempts from your address. Wait a minute.")
		return
	}
	ck, _ := r.Cookie(loginCookie)
	if ck == nil || !equalTokens(ck.Value, r.PostFormValue("csrf")) {
		c.showLogin(w, r, http.StatusForbidden, "", "The sign-in form was refused (its security token is missing or old). Try again.")
		return
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	password, code := r.PostFormValue("password"), r.PostFormValue("code")
	ctx := r.Context()
	u, err := c.v.ConsoleUser(ctx, name)
	if errors.Is(err, vault.ErrNoUser) || name == "" {
		// The same work as for a real user, so timing does not tell
		// which names exist.
		c.checkPassword(ctx, c.dummyHash(), password)
		c.log.Info("console: sign-in of an unknown user", "client", ip, "name", name)
		c.showLogin(w, r, http.StatusUnauthorized, name, loginFailed)
		return
	}
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	now := c.now()
	if now.Before(u.LockedUntil) {
		c.checkPassword(ctx, c.dummyHash(), password)
		c.log.Warn("console: sign-in to a locked account", "client", ip, "user", name, "until", u.LockedUntil)
		c.showLogin(w, r, http.StatusUnauthorized, name, loginFailed)
		return
	}
	why := ""
	var step int64
	switch ok, err := c.checkPassword(ctx, u.Password, password); {
	case err != nil:
		c.serverError(w, r, err)
		return
	case !ok:
		why = "wrong password"
	case u.TOTP != "":
		s, good := totpStep(u.TOTP, code, now)
		switch {
		case !good:
			why = "wrong or missing TOTP code"
		case s <= u.TOTPStep:
			why = "TOTP code used before"
		default:
			step = s
		}
	}
	if why != "" {
		until, err := c.v.LoginFailed(ctx, name, ip, why, c.opts.LoginAttempts, c.opts.Lockout)
		if err != nil {
			c.serverError(w, r, err)
			return
		}
		c.log.Warn("console: sign-in failed", "client", ip, "user", name, "why", why, "locked_until", until)
		c.showLogin(w, r, http.StatusUnauthorized, name, loginFailed)
		return
	}
	cookie := randomToken(32)
	s := vault.ConsoleSession{ID: sessionID(cookie), User: u.Name, CSRF: randomToken(24), Client: ip,
		Expires: c.sessionExpiry(now, now)}
	if err := c.v.LoginSucceeded(ctx, s, step); err != nil {
		c.serverError(w, r, err)
		return
	}
	c.log.Info("console: signed in", "client", ip, "user", u.Name, "role", u.Role)
	setCookie(w, loginCookie, "", -1)
	setCookie(w, sessionCookie, cookie, c.opts.SessionLifetime)
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

// checkPassword runs argon2id with at most two computations at a time
// (each costs HashParams.Memory); the rest wait their turn.
func (c *Console) checkPassword(ctx context.Context, hash, password string) (bool, error) {
	select {
	case c.hashing <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-c.hashing }()
	return CheckPassword(hash, password), nil
}

// hashPassword hashes a new password under the same bound.
func (c *Console) hashPassword(ctx context.Context, password string) (string, error) {
	select {
	case c.hashing <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-c.hashing }()
	return HashPassword(password, c.opts.Hash), nil
}

// dummyHash is a hash of nothing with the current parameters, checked
// when the user does not exist.
func (c *Console) dummyHash() string {
	c.dummyOnce.Do(func() { c.dummy = HashPassword(randomToken(16), c.opts.Hash) })
	return c.dummy
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request, s *session) {
	if err := c.v.EndConsoleSession(r.Context(), s.ID, s.user.Name); err != nil {
		c.serverError(w, r, err)
		return
	}
	setCookie(w, sessionCookie, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// limiter counts events per key in fixed windows: at most n per window.
// It holds at most maxKeys keys; when full, keys whose window ended are
// dropped, and if none has, new keys are refused (an attacker with many
// addresses cannot grow it without bound).
type limiter struct {
	n      int
	window time.Duration
	now    func() time.Time

	mu   sync.Mutex
	keys map[string]*window
}

type window struct {
	start time.Time
	count int
}

const maxKeys = 100_000

func newLimiter(n int, per time.Duration, now func() time.Time) *limiter {
	return &limiter{n: n, window: per, now: now, keys: map[string]*window{}}
}

// allow counts one event for key and reports whether it is within the
// limit.
func (l *limiter) allow(key string) bool {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.keys[key]
	if w == nil || now.Sub(w.start) >= l.window {
		if w == nil && len(l.keys) >= maxKeys {
			for k, old := range l.keys {
				if now.Sub(old.start) >= l.window {
					delete(l.keys, k)
				}
			}
			if len(l.keys) >= maxKeys {
				return false
			}
		}
		w = &window{start: now}
		l.keys[key] = w
	}
	w.count++
	return w.count <= l.n
}
