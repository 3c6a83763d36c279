package vault

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
)

// BenchmarkRelaySequence is what the relay asks of the vault per message,
// from 20 sessions at once: Put the original (10 KB), PutCopy the
// delivered copy, RecordOutcome; on each backend (PostgreSQL with
// MUGAI_TEST_PG_DSN). scripts/bench.sh measures the whole relay.
func BenchmarkRelaySequence(b *testing.B) {
	msg := message("見積書の送付について", strings.Repeat("本文の行です。The body line.\r\n", 10<<10/40))
	for _, backend := range []string{BackendSQLite, BackendPostgres} {
		b.Run(backend, func(b *testing.B) {
			p := newPlace(b, backend)
			k := newKeys(b)
			v := p.open(b, Options{Recipients: k.rcp})
			ctx := context.Background()
			var n atomic.Int64
			b.SetParallelism(10) // 20 on 2 CPUs, as bench.sh's 20 sessions
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					res, err := v.Put(ctx, envelope(fmt.Sprintf("Q%d", i)), bytes.NewReader(append(msg, fmt.Sprintf("%d\r\n", i)...)))
					if err != nil {
						b.Fatal(err)
					}
					if err := v.PutCopy(ctx, res.ID, bytes.NewReader(msg)); err != nil {
						b.Fatal(err)
					}
					if err := v.RecordOutcome(ctx, res.ID, Outcome{Verdict: "sanitized", Delivered: true, Reply: "250 2.0.0 Ok",
						Headers: Headers{From: "a@example.jp", Subject: "見積書の送付について"}}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}
