package console

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/mugai/mugai/vault"
)

// ListenConfig says where the console listens and how.
type ListenConfig struct {
	// Addr is host:port.
	Addr string
	// CertFile and KeyFile serve HTTPS; both or neither.
	CertFile, KeyFile string
	// AllowInsecureRemote allows plain HTTP beyond loopback: only behind
	// a reverse proxy that terminates TLS on the same host or network
	// (browsers refuse the Secure cookie over plain HTTP anyway).
	AllowInsecureRemote bool
}

// ErrInsecureRemote: the console would listen beyond loopback without TLS.
var ErrInsecureRemote = errors.New("the console listens beyond loopback only with TLS (console.tls.cert_file and key_file), or with console.allow_insecure_remote behind a reverse proxy that terminates TLS")

// IsLoopback reports whether a listen host is loopback only: a loopback
// address or "localhost". An empty host (every address) is not.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

// Check refuses a configuration that would expose the console without TLS.
func (lc ListenConfig) Check() error {
	host, _, err := net.SplitHostPort(lc.Addr)
	if err != nil {
		return fmt.Errorf("console: listen address %q: %w", lc.Addr, err)
	}
	if (lc.CertFile == "") != (lc.KeyFile == "") {
		return errors.New("console: set both the TLS certificate and key files, or neither")
	}
	if lc.CertFile == "" && !lc.AllowInsecureRemote && !IsLoopback(host) {
		return fmt.Errorf("console: %s: %w", lc.Addr, ErrInsecureRemote)
	}
	return nil
}

// Server is a running console listener.
type Server struct {
	srv  *http.Server
	ln   net.Listener
	done chan error
	stop context.CancelFunc
}

// Addr is the address it listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve starts serving c on lc (after Check), and the session sweeper.
func (c *Console) Serve(lc ListenConfig) (*Server, error) {
	if err := lc.Check(); err != nil {
		return nil, err
	}
	var tlsConfig *tls.Config
	if lc.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(lc.CertFile, lc.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("console: TLS: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", lc.Addr)
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	if tlsConfig != nil {
		ln = tls.NewListener(ln, tlsConfig)
	}
	ctx, stop := context.WithCancel(context.Background())
	s := &Server{ln: ln, done: make(chan error, 1), stop: stop, srv: &http.Server{
		Handler:           c.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		// A download of a large original takes a while.
		WriteTimeout:   10 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       nil,
	}}
	go c.Run(ctx, 10*time.Minute)
	go func() { s.done <- s.srv.Serve(ln) }()
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
	}
	c.log.Info("console listening", "addr", ln.Addr().String(), "url", scheme+"://"+ln.Addr().String()+"/")
	return s, nil
}

// Shutdown stops accepting requests and waits for those in flight until
// ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stop()
	err := s.srv.Shutdown(ctx)
	if serr := <-s.done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// AdminFileName is the initial administrator's credential file in the
// state directory.
const AdminFileName = "console-admin.txt"

// EnsureAdmin creates the first user, "admin" with a random password,
// when the console has no user at all, and writes the credential to
// StateDir/console-admin.txt (mode 0600), logging where it is. The
// password must be changed at the first sign-in. Several instances
// starting at once create one admin between them (the instance that did
// writes the file).
func (c *Console) EnsureAdmin(ctx context.Context) error {
	users, err := c.v.ConsoleUsers(ctx)
	if err != nil || len(users) > 0 {
		return err
	}
	pw := GeneratePassword()
	hash, err := c.hashPassword(ctx, pw)
	if err != nil {
		return err
	}
	path := filepath.Join(c.opts.StateDir, AdminFileName)
	if err := os.MkdirAll(c.opts.StateDir, 0o700); err != nil {
		return fmt.Errorf("console: %w", err)
	}
	// The file is written before the user exists, so an admin whose
	// password nobody knows never exists; a stale file from an earlier
	// vault is replaced.
	tmp := path + ".new"
	os.Remove(tmp)
	text := fmt.Sprintf("# mugai console: the first administrator, created %s.\n# Sign in at the console and change the password; then delete this file.\nuser: admin\npassword: %s\n",
		c.now().Format(time.RFC3339), pw)
	if err := writeSecretFile(tmp, []byte(text)); err != nil {
		return fmt.Errorf("console: initial admin: %w", err)
	}
	added, err := c.v.AddFirstConsoleUser(ctx, vault.ConsoleUser{Name: "admin", Role: string(RoleAdmin), Password: hash, MustChange: true}, "console")
	if err != nil || !added {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("console: initial admin created, but its credential file could not be put in place (set a password with `mugai console user passwd admin`): %w", err)
	}
	abs, _ := filepath.Abs(path)
	c.log.Warn("console: created the first administrator; the password is in the file named here: sign in, change it, and delete the file",
		"user", "admin", "file", abs)
	return nil
}
