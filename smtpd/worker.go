package smtpd

import (
	"context"
	"fmt"
)

// A worker slot bounds the CPU and memory of filtering (Config.Workers):
// a message holds one from the end of its data until its Filter returns.
// Part of a Filter's work is waiting, not computing (a DNS answer, a
// durable write synced to disk); Waiting gives the slot up for such a
// stage, so that another message's filtering runs meanwhile, and takes it
// back before the Filter goes on.
type workerSlot struct {
	sem  chan struct{}
	held bool
}

type workerSlotKey struct{}

// acquire waits for a slot, or for ctx to end.
func (w *workerSlot) acquire(ctx context.Context) error {
	if w.held {
		return nil
	}
	select {
	case w.sem <- struct{}{}:
		w.held = true
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// release gives the slot back, if held.
func (w *workerSlot) release() {
	if w.held {
		<-w.sem
		w.held = false
	}
}

// Waiting runs f, a stage of a Filter that mostly waits (a DNS lookup, a
// write synced to disk), without the worker slot the Filter was called
// with, and takes the slot back before it returns: waiting stages of many
// messages then overlap with the computing ones, and writes to a store
// that groups its commits group better. It returns f's error, or, when
// ctx ended before a slot was free again, an error that smtpd answers
// with 451 4.3.0. Call it only from the goroutine smtpd called the Filter
// in, with the ctx it was given (or one derived from it); without a slot
// in ctx (a Filter called other than by smtpd) it just runs f.
func Waiting(ctx context.Context, f func() error) error {
	w, ok := ctx.Value(workerSlotKey{}).(*workerSlot)
	if !ok || !w.held {
		return f()
	}
	w.release()
	err := f()
	if aerr := w.acquire(ctx); aerr != nil {
		return fmt.Errorf("smtpd: waiting for a worker slot again: %w", aerr)
	}
	return err
}
