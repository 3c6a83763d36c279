package smtpd_test

import (
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/mugai/mugai/smtpd"
)

// barrierDelivery accepts a message only once n messages are being
// delivered at the same time.
type barrierDelivery struct{ b *barrier }

type barrier struct {
	mu      sync.Mutex
	waiting int
	n       int
	all     chan struct{}
}

func (d barrierDelivery) AddRecipient(context.Context, string) error { return nil }
func (d barrierDelivery) Abort()                                     {}
func (d barrierDelivery) Deliver(ctx context.Context, msg io.Reader) error {
	io.Copy(io.Discard, msg)
	d.b.mu.Lock()
	if d.b.waiting++; d.b.waiting == d.b.n {
		close(d.b.all)
	}
	d.b.mu.Unlock()
	select {
	case <-d.b.all:
		return nil
	case <-time.After(3 * time.Second):
		return errors.New("the other message never reached delivery")
	}
}

// A worker slot bounds sanitizing, not delivering: with one worker, a
// message waiting for the next hop does not keep the next one from being
// filtered (a slow next hop would otherwise idle the CPUs).
func TestWorkerFreedBeforeDelivery(t *testing.T) {
	b := &barrier{n: 2, all: make(chan struct{})}
	h := start(t, func(h *harness, cfg *smtpd.Config) {
		cfg.Workers = 1
		cfg.Router = h.routeWith(upperFilter(), func(context.Context, *smtpd.Envelope) (smtpd.Delivery, error) {
			return barrierDelivery{b}, nil
		})
	})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := sendWithClient(h.addr, "alice@example.org", []string{"bob@example.jp"}, "Subject: hi\r\n\r\nbody\r\n"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}
