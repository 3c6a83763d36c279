package console

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mugai/mugai/vault"
)

// TestDashboardCost prints what computing the dashboard costs: it reads
// a week of entries with their Reports. The baseline, measured in the
// same run, is the same scan without the Reports (the index alone).
//
//	MUGAI_CONSOLE_BENCH=1 go test ./console -run TestDashboardCost -v
func TestDashboardCost(t *testing.T) {
	if os.Getenv("MUGAI_CONSOLE_BENCH") == "" {
		t.Skip("set MUGAI_CONSOLE_BENCH=1 to measure the dashboard")
	}
	f := newFixture(t, nil)
	ctx := context.Background()
	const n = 3000
	parts := make([]map[string]any, 6)
	for i := range parts {
		parts[i] = map[string]any{"path": fmt.Sprint(i), "declared_type": "application/pdf", "sniffed_type": "application/pdf",
			"filename": fmt.Sprintf("見積書%d.pdf", i), "size": 182000, "sha256": strings.Repeat("ab", 32), "action": "converted"}
	}
	report, _ := json.Marshal(map[string]any{"input_bytes": 900000, "output_bytes": 40000, "parts": parts})
	now := f.clk.Now()
	for i := range n {
		env := testEnvelope(fmt.Sprintf("C%d", i))
		env.Received = now.Add(-time.Duration(i) * 7 * 24 * time.Hour / n)
		res, err := f.v.Put(ctx, env, strings.NewReader("Subject: x\r\n\r\nbody\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.v.RecordOutcome(ctx, res.ID, vault.Outcome{Verdict: "sanitized", Delivered: true, Report: report}); err != nil {
			t.Fatal(err)
		}
	}
	measure := func(fn func()) time.Duration {
		best := time.Hour
		for range 3 {
			start := time.Now()
			fn()
			best = min(best, time.Since(start))
		}
		return best
	}
	base := measure(func() {
		f.v.Summaries(ctx, now.Add(-8*24*time.Hour), now.Add(time.Hour), false, func(*vault.Summary) error { return nil })
	})
	dash := measure(func() {
		f.c.hours = nil // the first computation: a whole week
		if _, err := f.c.computeDashboard(ctx, now); err != nil {
			t.Fatal(err)
		}
	})
	again := measure(func() {
		if _, err := f.c.computeDashboard(ctx, now); err != nil {
			t.Fatal(err)
		}
	})
	per := dash / n
	t.Logf("%d entries over 7 days (6-part reports, %d bytes each): first dashboard %v (%v per entry), then %v (the last %v only); index scan alone %v: first %.1fx, then %.1fx",
		n, len(report), dash.Round(time.Millisecond), per, again.Round(time.Millisecond), settled, base.Round(time.Millisecond),
		float64(dash)/float64(base), float64(again)/float64(base))
	t.Logf("at 20,000 messages a day (140,000 a week): first dashboard about %v, then about %v a minute at most",
		(per * 140_000).Round(100*time.Millisecond), (per * 20_000 * 3 / 24).Round(10*time.Millisecond))
}
