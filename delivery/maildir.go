package delivery

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mugai/mugai/smtpd"
	"github.com/mugai/mugai/smtpd/reply"
)

// Maildir delivers into a maildir. Its Begin is an smtpd Route's Begin;
// all recipients of a message share one file. A Maildir must not be
// copied after first use.
type Maildir struct {
	// Path is the maildir; tmp, new and cur are created (0700) if missing.
	Path string
	// Hostname goes into file names; default os.Hostname().
	Hostname string
	// Logger; default slog.Default().
	Logger *slog.Logger
	// Now names the files; default time.Now.
	Now func() time.Time

	seq atomic.Uint64 // deliveries by this Maildir, for unique names
	// sync is (*os.File).Sync; tests replace it to see the fsync calls.
	sync func(*os.File) error
}

var _ func(context.Context, *smtpd.Envelope) (smtpd.Delivery, error) = (*Maildir)(nil).Begin

// Begin makes sure the maildir exists.
func (m *Maildir) Begin(_ context.Context, env *smtpd.Envelope) (smtpd.Delivery, error) {
	for _, sub := range []string{"tmp", "new", "cur"} {
		if err := os.MkdirAll(filepath.Join(m.Path, sub), 0o700); err != nil {
			return nil, temporary(reply.SystemOther, "local delivery failed", fmt.Errorf("create maildir: %w", err))
		}
	}
	return &maildirDelivery{m: m, env: env}, nil
}

// maildirDelivery is the smtpd.Delivery of Maildir.
type maildirDelivery struct {
	m   *Maildir
	env *smtpd.Envelope
}

// AddRecipient accepts every recipient: the relay policy was applied
// before, and one maildir holds the mail of all of them.
func (d *maildirDelivery) AddRecipient(context.Context, string) error { return nil }

// Abort has nothing to undo: nothing is written before Deliver.
func (d *maildirDelivery) Abort() {}

// Deliver writes the message in the order that makes it durable before we
// say so (maildir spec; STYLE.md "Durability"): the file in tmp/, fsync,
// rename into new/, fsync of new/. Readers never see a partial file, and
// on any error the file is removed.
func (d *maildirDelivery) Deliver(ctx context.Context, msg io.Reader) error {
	m := d.m
	name, f, err := m.create()
	if err != nil {
		return temporary(reply.SystemOther, "local delivery failed", err)
	}
	tmpPath := f.Name()
	remove := []string{tmpPath} // mox's rollback idiom: cleared on success
	defer func() {
		for _, p := range remove {
			os.Remove(p)
		}
	}()
	err = d.write(ctx, f, msg)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close %s: %w", tmpPath, cerr)
	}
	if err == nil {
		err = ctx.Err() // the reply can no longer be sent: do not deliver
	}
	if err != nil {
		return temporary(reply.SystemOther, "local delivery failed", err)
	}
	newDir := filepath.Join(m.Path, "new")
	newPath := filepath.Join(newDir, name)
	if err := os.Rename(tmpPath, newPath); err != nil {
		return temporary(reply.SystemOther, "local delivery failed", fmt.Errorf("move into new: %w", err))
	}
	// Until new/ is synced the rename may not survive a crash; if the sync
	// fails the client retries, so take the file back out.
	remove = []string{newPath}
	if err := m.syncDir(newDir); err != nil {
		return temporary(reply.SystemOther, "local delivery failed", err)
	}
	remove = nil
	m.logger().Info("delivery: written to maildir", "id", d.env.ID, "file", newPath)
	return nil
}

// write writes the message with a Return-Path: field (RFC 5321 §4.4: the
// final delivery records the reverse-path) and syncs it.
func (d *maildirDelivery) write(ctx context.Context, f *os.File, msg io.Reader) error {
	if _, err := fmt.Fprintf(f, "Return-Path: <%s>\r\n", d.env.From); err != nil {
		return fmt.Errorf("write %s: %w", f.Name(), err)
	}
	if _, err := io.Copy(f, ctxReader{ctx, msg}); err != nil {
		return fmt.Errorf("write %s: %w", f.Name(), err)
	}
	if err := d.m.syncFile(f); err != nil {
		return fmt.Errorf("fsync %s: %w", f.Name(), err)
	}
	return nil
}

// create makes a new file in tmp/ under a unique name: seconds, then
// microseconds, process id, a per-Maildir counter and random bits, then
// the host (the maildir spec's "time.MusecPpid_seq.host" shape). O_EXCL
// guarantees we never write into someone else's file.
func (m *Maildir) create() (string, *os.File, error) {
	now := m.now()
	var rnd [4]byte
	for range 3 {
		rand.Read(rnd[:])
		name := fmt.Sprintf("%d.M%dP%dQ%dR%s.%s", now.Unix(), now.Nanosecond()/1000, os.Getpid(),
			m.seq.Add(1), hex.EncodeToString(rnd[:]), m.hostname())
		f, err := os.OpenFile(filepath.Join(m.Path, "tmp", name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", nil, fmt.Errorf("create in tmp: %w", err)
		}
		return name, f, nil
	}
	return "", nil, errors.New("create in tmp: no unique name")
}

func (m *Maildir) syncFile(f *os.File) error {
	if m.sync != nil {
		return m.sync(f)
	}
	return f.Sync()
}

// syncDir makes the directory entries in dir durable.
func (m *Maildir) syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	defer f.Close()
	if err := m.syncFile(f); err != nil {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	return nil
}

// hostname is the host part of file names; the maildir spec asks to
// write "/" as \057 and ":" as \072 (":" starts the info part).
func (m *Maildir) hostname() string {
	h := m.Hostname
	if h == "" {
		h, _ = os.Hostname()
	}
	if h == "" {
		h = "localhost"
	}
	return strings.NewReplacer("/", `\057`, ":", `\072`).Replace(h)
}

func (m *Maildir) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Maildir) logger() *slog.Logger {
	if m.Logger != nil {
		return m.Logger
	}
	return slog.Default()
}

// ctxReader stops a copy when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}
