package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mugai/mugai/console"
	"github.com/mugai/mugai/vault"
)

const consoleUsage = `usage:
  mugai console user add [-config FILE] [-role viewer|operator|admin] [-password-stdin] NAME
  mugai console user passwd [-config FILE] [-password-stdin] NAME
  mugai console user del [-config FILE] NAME
  mugai console user list [-config FILE]
Without -password-stdin a password is generated, printed, and must be
changed at the first sign-in; with it, one line of standard input is the
password (at least 12 characters).`

// consoleCmd implements "mugai console user ...": the console's users,
// kept in the vault's index database. Exit 0 done, 1 any error.
func (e *env) consoleCmd(args []string) int {
	if len(args) < 2 || args[0] != "user" {
		if len(args) == 1 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(e.stdout, consoleUsage)
			return exitOK
		}
		fmt.Fprintln(e.stderr, consoleUsage)
		return exitError
	}
	sub, args := args[1], args[2:]
	r := &vaultRun{env: e, name: "console user " + sub}
	fs := r.flags()
	switch sub {
	case "add":
		role := fs.String("role", "viewer", "viewer, operator or admin")
		stdin := fs.Bool("password-stdin", false, "read the password from standard input")
		pos, code := r.parse(args, 1, "console user add [-role R] [-password-stdin] NAME")
		if code >= 0 {
			return code
		}
		if p := console.UserNameProblem(pos[0]); p != "" {
			return r.done(r.fail(exitError, "%s: %s", r.name, p))
		}
		if !console.Role(*role).Valid() {
			return r.done(r.fail(exitError, "%s: -role %q: use viewer, operator or admin", r.name, *role))
		}
		pw, must, code := r.password(*stdin)
		if code >= 0 {
			return r.done(code)
		}
		err := r.v.AddConsoleUser(context.Background(), vault.ConsoleUser{Name: pos[0], Role: *role,
			Password: console.HashPassword(pw, console.DefaultHashParams), MustChange: must}, r.who())
		return r.userDone(err, pos[0], pw, must)
	case "passwd":
		stdin := fs.Bool("password-stdin", false, "read the password from standard input")
		pos, code := r.parse(args, 1, "console user passwd [-password-stdin] NAME")
		if code >= 0 {
			return code
		}
		pw, must, code := r.password(*stdin)
		if code >= 0 {
			return r.done(code)
		}
		hash := console.HashPassword(pw, console.DefaultHashParams)
		err := r.v.UpdateConsoleUser(context.Background(), pos[0], r.who(), func(u *vault.ConsoleUser) (vault.UserChange, error) {
			u.Password, u.MustChange, u.Failures, u.LockedUntil = hash, must, 0, time.Time{}
			return vault.UserChange{Detail: "password set", EndSessions: true}, nil
		})
		return r.userDone(err, pos[0], pw, must)
	case "del":
		pos, code := r.parse(args, 1, "console user del NAME")
		if code >= 0 {
			return code
		}
		return r.userDone(r.v.DeleteConsoleUser(context.Background(), pos[0], r.who()), pos[0], "", false)
	case "list":
		if _, code := r.parse(args, 0, "console user list"); code >= 0 {
			return code
		}
		users, err := r.v.ConsoleUsers(context.Background())
		if err != nil {
			return r.failErr(err)
		}
		tw := tabwriter.NewWriter(r.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USER\tROLE\tTOTP\tLAST SIGN-IN")
		for _, u := range users {
			last := "-"
			if !u.LastLogin.IsZero() {
				last = u.LastLogin.Local().Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%t\t%s\n", u.Name, u.Role, u.TOTP != "", last)
		}
		tw.Flush()
		return r.done(exitOK)
	}
	return r.done(r.fail(exitError, "console: unknown command %q (try: mugai console help)", sub))
}

// password reads a password from standard input, or generates one that
// must be changed at the first sign-in; code is -1 unless it failed.
func (r *vaultRun) password(fromStdin bool) (pw string, mustChange bool, code int) {
	if !fromStdin {
		return console.GeneratePassword(), true, -1
	}
	line, err := bufio.NewReader(r.stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", false, r.fail(exitError, "%s: no password on standard input", r.name)
	}
	pw = strings.TrimRight(line, "\r\n")
	if p := console.PasswordProblem(pw); p != "" {
		return "", false, r.fail(exitError, "%s: %s", r.name, p)
	}
	return pw, false, -1
}

// userDone reports a user command's result; a generated password is
// printed once.
func (r *vaultRun) userDone(err error, name, pw string, generated bool) int {
	switch {
	case errors.Is(err, vault.ErrUserExists), errors.Is(err, vault.ErrNoUser):
		return r.done(r.fail(exitError, "%s: %v", r.name, err))
	case err != nil:
		return r.failErr(err)
	}
	if generated {
		fmt.Fprintf(r.stdout, "user: %s\npassword: %s\n(to be changed at the first sign-in)\n", name, pw)
	}
	return r.done(exitOK)
}
