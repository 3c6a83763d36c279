package smtpd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = errors.New("smtpd: server closed")

// refuseWriteTimeout bounds writing the one-line refusal to a client we
// do not serve.
const refuseWriteTimeout = 5 * time.Second

// Server is the inbound SMTP server. Create it with New; it is safe for
// concurrent use.
//
// go-smtp's own Server.Shutdown and Close are not used: Shutdown waits
// for clients to hang up by themselves (an idle client with a cached
// connection holds it up), and Close after Shutdown returns
// ErrServerClosed without closing anything; the connection registry,
// draining and forced close are done here instead.
//
// Each accepted connection gets its own go-smtp Server built from the
// Config current at accept time. That is how a connection keeps its Config
// across SetConfig: go-smtp reads its settings (greeting name, size and
// recipient limits, TLS) from its Server during the whole session without
// locking, so one shared go-smtp Server could not be reconfigured safely.
type Server struct {
	gen      atomic.Pointer[generation]
	setMu    sync.Mutex // serializes SetConfig
	counter  connCounter
	base     context.Context // parent of every session's context
	cancel   context.CancelFunc
	sessions sync.WaitGroup // connections and message processing in flight

	mu        sync.Mutex
	closing   bool
	listeners map[net.Listener]struct{}
	conns     map[*sessionConn]struct{}
}

// generation is one Config with the resources made for it.
type generation struct {
	cfg Config
	// sem holds a token per message being filtered. It is
	// kept across SetConfig while Workers does not change, so a reload
	// does not double the concurrency.
	sem chan struct{}
}

// New returns a Server for cfg (defaults applied, then validated).
func New(cfg Config) (*Server, error) {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		base:      ctx,
		cancel:    cancel,
		listeners: make(map[net.Listener]struct{}),
		conns:     make(map[*sessionConn]struct{}),
	}
	if err := s.SetConfig(cfg); err != nil {
		cancel()
		return nil, err
	}
	return s, nil
}

// SetConfig replaces the configuration for connections accepted from now
// on; connections already open keep theirs. On error nothing changes.
func (s *Server) SetConfig(cfg Config) error {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return err
	}
	s.setMu.Lock()
	defer s.setMu.Unlock()
	g := &generation{cfg: cfg}
	if old := s.gen.Load(); old != nil && cap(old.sem) == cfg.Workers {
		g.sem = old.sem
	} else {
		g.sem = make(chan struct{}, cfg.Workers)
	}
	s.gen.Store(g)
	return nil
}

// Serve accepts connections on l until Shutdown or Close, then returns
// ErrServerClosed. Clients are identified by l's remote TCP addresses.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
	}()

	var delay time.Duration // backoff after a temporary accept error
	for {
		c, err := l.Accept()
		if err != nil {
			s.mu.Lock()
			closing := s.closing
			s.mu.Unlock()
			if closing {
				return ErrServerClosed
			}
			// EMFILE and the like pass: wait and retry, as net/http does.
			if te, ok := err.(interface{ Temporary() bool }); ok && te.Temporary() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				s.gen.Load().cfg.Logger.Warn("smtpd: accept failed, retrying", "err", err, "delay", delay)
				time.Sleep(delay)
				continue
			}
			return fmt.Errorf("smtpd: accept: %w", err)
		}
		delay = 0
		go s.handle(c)
	}
}

// handle applies the connection policy and hands the connection to a
// go-smtp Server of its own.
func (s *Server) handle(c net.Conn) {
	g := s.gen.Load()
	cfg := &g.cfg
	client := remoteAddrPort(c)
	log := cfg.Logger.With("client", client.String())

	// A load balancer's PROXY header names the client, before anything
	// else is judged (see Config.ProxyNetworks).
	var proxy netip.AddrPort
	if cfg.isProxy(client.Addr()) {
		pc, named, err := readProxyHeader(c, cfg.ProxyHeaderTimeout)
		if err != nil {
			log.Warn("smtpd: connection refused", "reason", "no valid PROXY header from a load balancer", "err", err)
			refuseObserved(c, cfg, client, replyProxyMissing())
			return
		}
		c = pc
		if named.IsValid() {
			proxy, client = client, named
			log = cfg.Logger.With("client", client.String(), "proxy", proxy.String())
		}
	}

	// Network policy at connect (RFC 5321 §3.1 allows 554 instead of the
	// 220 greeting). We close at once instead of waiting for QUIT as §3.1
	// suggests: a refused client gets no resources.
	if !cfg.allowsClient(client.Addr()) {
		log.Warn("smtpd: connection refused", "reason", "network not allowed")
		refuseObserved(c, cfg, client, replyAccessDenied())
		return
	}
	release, ok := s.counter.acquire(client.Addr().Unmap(), cfg.MaxConnections, cfg.MaxConnectionsPerIP, cfg.ReservedConnections)
	if !ok {
		log.Warn("smtpd: connection refused", "reason", "connection limit")
		refuseObserved(c, cfg, client, replyTooManyConnections())
		return
	}

	ctx, cancel := context.WithDeadline(s.base, time.Now().Add(cfg.SessionTime))
	cs := &connState{gen: g, cfg: cfg, client: client, proxy: proxy, log: log, ctx: ctx, done: s.sessions.Done,
		forwarder: cfg.trustsForwarder(client.Addr())}
	var sc *sessionConn
	sc = newSessionConn(c, cfg, func() {
		cancel()
		release()
		s.mu.Lock()
		delete(s.conns, sc)
		s.mu.Unlock()
		cs.closed()
		cfg.Observer.SessionClosed(client)
	})
	cs.conn = sc

	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		cancel()
		release()
		refuseObserved(c, cfg, client, replyShuttingDown())
		return
	}
	// Added under mu with closing false: Shutdown's Wait cannot have
	// started yet (sync.WaitGroup's rule for Add at zero). cs.done is
	// called once the connection is closed and no message is in progress.
	s.sessions.Add(1)
	s.conns[sc] = struct{}{}
	s.mu.Unlock()
	cfg.Observer.SessionOpened(client)

	log.Debug("smtpd: connection accepted")
	srv := smtp.NewServer(smtp.BackendFunc(cs.newSession))
	srv.Domain = cfg.Hostname
	srv.MaxMessageBytes = cfg.MaxMessageBytes
	srv.MaxRecipients = cfg.MaxRecipients
	// TLSConfig stays nil: commandConn does STARTTLS.
	srv.EnableSMTPUTF8 = true
	srv.ErrorLog = slogPrintf{log}
	// ReadTimeout and WriteTimeout stay 0: sessionConn sets the deadlines.
	//
	// Serve returns as soon as the handoff listener is exhausted; the
	// connection goroutine it started runs on and closes sc at the end.
	_ = srv.Serve(&handoff{conn: newCommandConn(sc, cs, cfg.TLSConfig)}) // errHandedOff, by design
}

// Shutdown stops accepting connections, ends idle ones (go-smtp answers
// them 421 4.4.2) and waits for the transactions in flight; a connection
// that finished its transaction is ended before its next command. If ctx ends first it closes everything still
// open, as Close does, and returns ctx's error: a message whose reply was
// not yet sent is then not acknowledged, so the client keeps and retries
// it. (If the next hop accepted it just before, that retry is a duplicate,
// the SMTP norm of RFC 5321 §6.1; never a loss.)
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	for l := range s.listeners {
		l.Close()
	}
	for c := range s.conns {
		c.drain()
	}
	s.mu.Unlock()

	done := make(chan struct{})
	go func() {
		s.sessions.Wait()
		close(done)
	}()
	select {
	case <-done:
		s.cancel()
		return nil
	case <-ctx.Done():
		s.Close()
		return ctx.Err()
	}
}

// Close closes the listeners and every connection now, and cancels the
// processing of messages in flight; none of them is acknowledged.
func (s *Server) Close() error {
	s.cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing = true
	var errs []error
	for l := range s.listeners {
		if err := l.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	for c := range s.conns {
		c.Conn.Close() // the session's own Close runs when go-smtp notices
	}
	return errors.Join(errs...)
}

// refuse answers a connection we do not serve with one reply and closes it.
func refuse(c net.Conn, hostname string, r *smtp.SMTPError) {
	c.SetWriteDeadline(time.Now().Add(refuseWriteTimeout))
	fmt.Fprintf(c, "%d %d.%d.%d %s %s\r\n", r.Code, r.EnhancedCode[0], r.EnhancedCode[1], r.EnhancedCode[2], hostname, r.Message)
	c.Close()
}

// remoteAddrPort is the client's address; the zero AddrPort (refused by
// every network policy) when the listener is not TCP.
func remoteAddrPort(c net.Conn) netip.AddrPort {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		ap := a.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	return netip.AddrPort{}
}

// errHandedOff ends go-smtp's accept loop once handoff gave its connection.
var errHandedOff = errors.New("smtpd: connection handed off")

// handoff is a net.Listener that yields one connection, so a go-smtp
// Server can serve a connection we accepted (go-smtp has no exported way
// to serve a single net.Conn). Its error is not temporary, so go-smtp's
// Serve returns instead of retrying.
type handoff struct {
	mu   sync.Mutex
	conn net.Conn
}

func (h *handoff) Accept() (net.Conn, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.conn
	h.conn = nil
	if c == nil {
		return nil, errHandedOff
	}
	return c, nil
}

func (h *handoff) Close() error   { return nil }
func (h *handoff) Addr() net.Addr { return &net.TCPAddr{} }

// slogPrintf gives go-smtp's ErrorLog (Printf/Println) to slog.
type slogPrintf struct{ log *slog.Logger }

func (l slogPrintf) Printf(format string, v ...any) {
	l.log.Warn("smtpd: go-smtp: " + fmt.Sprintf(format, v...))
}

func (l slogPrintf) Println(v ...any) { l.log.Warn("smtpd: go-smtp: " + fmt.Sprint(v...)) }
