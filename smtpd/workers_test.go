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

// A Filter gives its worker slot up while it waits (smtpd.Waiting): with
// one worker, a message whose Filter waits (for DNS, for a synced write)
// does not keep the next one from being filtered. The first message's
// wait ends only once the second one's Filter ran, so without the slot
// given up the test fails on its deadline.
func TestWaitingGivesTheSlotUp(t *testing.T) {
	secondFiltered := make(chan struct{})
	var first sync.Once
	filter := smtpd.FilterFunc(func(ctx context.Context, env *smtpd.Envelope, dst io.Writer, src *smtpd.Original) (smtpd.FilterResult, error) {
		isFirst := false
		first.Do(func() { isFirst = true })
		if !isFirst {
			close(secondFiltered)
			return upperFilter().Filter(ctx, env, dst, src)
		}
		err := smtpd.Waiting(ctx, func() error {
			select {
			case <-secondFiltered:
				return nil
			case <-time.After(3 * time.Second):
				return errors.New("the other message was not filtered while this one waited")
			}
		})
		if err != nil {
			return smtpd.FilterResult{}, err
		}
		return upperFilter().Filter(ctx, env, dst, src)
	})
	h := start(t, func(h *harness, cfg *smtpd.Config) {
		cfg.Workers = 1
		cfg.Router = h.routeWith(filter, testHop(h.hop.Addr).Begin)
	})
	errs := make(chan error, 2)
	go func() {
		errs <- sendWithClient(h.addr, "alice@example.org", []string{"bob@example.jp"}, "Subject: one\r\n\r\nbody\r\n")
	}()
	time.Sleep(100 * time.Millisecond) // the first is waiting by now (it holds no slot either way after it)
	go func() {
		errs <- sendWithClient(h.addr, "alice@example.org", []string{"bob@example.jp"}, "Subject: two\r\n\r\nbody\r\n")
	}()
	for range 2 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if got := len(h.hop.WaitMessages(2, 5*time.Second)); got != 2 {
		t.Errorf("next hop got %d messages, want 2", got)
	}
}
