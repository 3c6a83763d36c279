package console

import (
	"errors"
	"fmt"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/pquerna/otp"

	"github.com/mugai/mugai/vault"
)

// userName keeps names simple: they appear in the audit log as
// console:<name>.
// Compiled at first use, not at start: every mugai process (each
// converter child among them) would pay for it otherwise.
var userName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`) })

// UserNameProblem says what is wrong with a user name, or "".
func UserNameProblem(name string) string {
	if !userName().MatchString(name) {
		return "a user name is 1 to 64 lower-case letters, digits, '.', '_' and '-', starting with a letter or digit"
	}
	return ""
}

type usersView struct {
	Users                []vault.ConsoleUser
	Roles                []Role
	Me                   string
	Done, Error          string
	NewUser, NewPassword string
}

func (c *Console) showUsers(w http.ResponseWriter, r *http.Request, s *session, status int, v usersView) {
	users, err := c.v.ConsoleUsers(r.Context())
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	v.Users, v.Roles, v.Me = users, Roles(), s.user.Name
	c.render(w, r, status, "users", s, v)
}

func (c *Console) usersPage(w http.ResponseWriter, r *http.Request, s *session) {
	c.showUsers(w, r, s, http.StatusOK, usersView{Done: done[r.URL.Query().Get("done")]})
}

// addUser adds a user with a generated password, shown once, to be
// changed at the first sign-in.
func (c *Console) addUser(w http.ResponseWriter, r *http.Request, s *session) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	role := Role(r.PostFormValue("role"))
	if p := UserNameProblem(name); p != "" {
		c.showUsers(w, r, s, http.StatusBadRequest, usersView{Error: p})
		return
	}
	if !role.Valid() {
		c.showUsers(w, r, s, http.StatusBadRequest, usersView{Error: "choose a role"})
		return
	}
	pw := GeneratePassword()
	hash, err := c.hashPassword(r.Context(), pw)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	err = c.v.AddConsoleUser(r.Context(), vault.ConsoleUser{Name: name, Role: string(role), Password: hash, MustChange: true}, s.actor())
	if errors.Is(err, vault.ErrUserExists) {
		c.showUsers(w, r, s, http.StatusConflict, usersView{Error: "a user of that name exists"})
		return
	}
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	c.showUsers(w, r, s, http.StatusOK, usersView{NewUser: name, NewPassword: pw})
}

// changeUser applies one of role, password (a new generated one),
// unlock, totp (remove) and delete to a user.
func (c *Console) changeUser(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	name, op := r.PathValue("name"), r.PathValue("op")
	target, err := c.v.ConsoleUser(ctx, name)
	if err != nil {
		c.showUsers(w, r, s, http.StatusNotFound, usersView{Error: "no such user"})
		return
	}
	admins := 0
	users, err := c.v.ConsoleUsers(ctx)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	for _, u := range users {
		if u.Role == string(RoleAdmin) {
			admins++
		}
	}
	lastAdmin := target.Role == string(RoleAdmin) && admins == 1
	var pw string
	switch op {
	case "delete":
		if name == s.user.Name || lastAdmin {
			c.showUsers(w, r, s, http.StatusConflict, usersView{Error: "you cannot delete yourself or the last administrator"})
			return
		}
		err = c.v.DeleteConsoleUser(ctx, name, s.actor())
	case "role":
		role := Role(r.PostFormValue("role"))
		if !role.Valid() {
			c.showUsers(w, r, s, http.StatusBadRequest, usersView{Error: "choose a role"})
			return
		}
		if lastAdmin && role != RoleAdmin {
			c.showUsers(w, r, s, http.StatusConflict, usersView{Error: "the last administrator must stay an administrator"})
			return
		}
		err = c.v.UpdateConsoleUser(ctx, name, s.actor(), func(u *vault.ConsoleUser) (vault.UserChange, error) {
			u.Role = string(role)
			return vault.UserChange{Detail: "role=" + string(role), EndSessions: true}, nil
		})
	case "password":
		pw = GeneratePassword()
		var hash string
		if hash, err = c.hashPassword(ctx, pw); err == nil {
			err = c.v.UpdateConsoleUser(ctx, name, s.actor(), func(u *vault.ConsoleUser) (vault.UserChange, error) {
				u.Password, u.MustChange, u.Failures = hash, true, 0
				u.LockedUntil = time.Time{}
				return vault.UserChange{Detail: "password reset", EndSessions: true}, nil
			})
		}
	case "unlock":
		err = c.v.UpdateConsoleUser(ctx, name, s.actor(), func(u *vault.ConsoleUser) (vault.UserChange, error) {
			u.Failures = 0
			u.LockedUntil = time.Time{}
			return vault.UserChange{Detail: "unlocked"}, nil
		})
	case "totp":
		err = c.v.UpdateConsoleUser(ctx, name, s.actor(), func(u *vault.ConsoleUser) (vault.UserChange, error) {
			u.TOTP, u.TOTPPending = "", ""
			return vault.UserChange{Detail: "authenticator removed", EndSessions: true}, nil
		})
	default:
		c.fail(w, r, http.StatusNotFound, "No such action.")
		return
	}
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	if pw != "" {
		c.showUsers(w, r, s, http.StatusOK, usersView{NewUser: name, NewPassword: pw})
		return
	}
	if name == s.user.Name && op == "role" {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/users?done=user", http.StatusSeeOther)
}

type accountView struct {
	Name, Role       string
	MustChange, TOTP bool
	Pending          string
	Done, Error      string
}

func (c *Console) showAccount(w http.ResponseWriter, r *http.Request, s *session, status int, msg string) {
	u, err := c.v.ConsoleUser(r.Context(), s.user.Name)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	c.render(w, r, status, "account", s, accountView{Name: u.Name, Role: u.Role, MustChange: u.MustChange,
		TOTP: u.TOTP != "", Pending: u.TOTPPending, Done: done[r.URL.Query().Get("done")], Error: msg})
}

func (c *Console) accountPage(w http.ResponseWriter, r *http.Request, s *session) {
	c.showAccount(w, r, s, http.StatusOK, "")
}

// changePassword sets a new password after checking the current one;
// every session of the user ends, this one too, so the user signs in
// again with it.
func (c *Console) changePassword(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	cur, pw, again := r.PostFormValue("current"), r.PostFormValue("password"), r.PostFormValue("again")
	ok, err := c.checkPassword(ctx, s.user.Password, cur)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	msg := ""
	switch {
	case !ok:
		msg = "The current password is wrong."
	case pw != again:
		msg = "The two new passwords differ."
	case pw == cur:
		msg = "Choose a password other than the current one."
	default:
		msg = PasswordProblem(pw)
	}
	if msg != "" {
		c.showAccount(w, r, s, http.StatusBadRequest, msg)
		return
	}
	hash, err := c.hashPassword(ctx, pw)
	if err == nil {
		err = c.v.UpdateConsoleUser(ctx, s.user.Name, s.actor(), func(u *vault.ConsoleUser) (vault.UserChange, error) {
			u.Password, u.MustChange = hash, false
			return vault.UserChange{Detail: "password changed", EndSessions: true}, nil
		})
	}
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	setCookie(w, sessionCookie, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// totpStart makes a new secret, pending until a code from it confirms it.
func (c *Console) totpStart(w http.ResponseWriter, r *http.Request, s *session) {
	key, err := NewTOTP(s.user.Name)
	if err == nil {
		err = c.v.UpdateConsoleUser(r.Context(), s.user.Name, s.actor(), func(u *vault.ConsoleUser) (vault.UserChange, error) {
			u.TOTPPending = key.Secret()
			return vault.UserChange{}, nil
		})
	}
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

// totpKey is the otpauth key of a secret, for the QR code.
func totpKey(account, secret string) (*otp.Key, error) {
	v := url.Values{"secret": {secret}, "issuer": {"mugai"}, "period": {"30"}, "digits": {"6"}, "algorithm": {"SHA1"}}
	return otp.NewKeyFromURL("otpauth://totp/" + url.PathEscape("mugai:"+account) + "?" + v.Encode())
}

// totpImage is the QR code of the pending secret (an image from this
// site, so the page needs nothing from another).
func (c *Console) totpImage(w http.ResponseWriter, r *http.Request, s *session) {
	if s.user.TOTPPending == "" {
		http.NotFound(w, r)
		return
	}
	key, err := totpKey(s.user.Name, s.user.TOTPPending)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	img, err := key.Image(240, 240)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	png.Encode(w, img)
}

func (c *Console) totpConfirm(w http.ResponseWriter, r *http.Request, s *session) {
	step, ok := totpStep(s.user.TOTPPending, r.PostFormValue("code"), c.now())
	if !ok {
		c.showAccount(w, r, s, http.StatusBadRequest, "The code does not match; check the authenticator's clock and try the next code.")
		return
	}
	err := c.v.UpdateConsoleUser(r.Context(), s.user.Name, s.actor(), func(u *vault.ConsoleUser) (vault.UserChange, error) {
		if u.TOTPPending == "" {
			return vault.UserChange{}, errors.New("no authenticator is being set up")
		}
		u.TOTP, u.TOTPPending, u.TOTPStep = u.TOTPPending, "", step
		return vault.UserChange{Detail: "authenticator set up"}, nil
	})
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/account?done=totp", http.StatusSeeOther)
}

func (c *Console) totpRemove(w http.ResponseWriter, r *http.Request, s *session) {
	ok, err := c.checkPassword(r.Context(), s.user.Password, r.PostFormValue("current"))
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	if !ok {
		c.showAccount(w, r, s, http.StatusBadRequest, "The current password is wrong.")
		return
	}
	err = c.v.UpdateConsoleUser(r.Context(), s.user.Name, s.actor(), func(u *vault.ConsoleUser) (vault.UserChange, error) {
		u.TOTP, u.TOTPPending = "", ""
		return vault.UserChange{Detail: "authenticator removed"}, nil
	})
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/account?done=%s", "totp"), http.StatusSeeOther)
}
