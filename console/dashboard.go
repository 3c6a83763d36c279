package console

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/mugai/mugai/vault"
)

// Results a message can have on the dashboard.
const (
	resultDelivered   = "delivered"
	resultQuarantined = "quarantined"
	resultRefused     = "refused"
	resultTempfail    = "tempfail"
)

var results = []string{resultDelivered, resultQuarantined, resultRefused, resultTempfail}

// resultLabels name the results on the page.
var resultLabels = map[string]string{
	resultDelivered:   "delivered",
	resultQuarantined: "quarantined",
	resultRefused:     "refused",
	resultTempfail:    "temporary failure",
}

// resultOf classifies an entry's outcome: quarantined (delivered as a
// notice, the original held), delivered, refused (a 5xx to the sender),
// or a temporary failure (a 4xx, or no outcome recorded: the sender
// retries).
func resultOf(verdict string, delivered bool, reply string) string {
	switch {
	case verdict == "quarantined":
		return resultQuarantined
	case delivered:
		return resultDelivered
	case strings.HasPrefix(reply, "5") || verdict == "rejected":
		return resultRefused
	}
	return resultTempfail
}

// dashboard is the computed dashboard, cached for dashboardTTL.
type dashboard struct {
	At      time.Time
	Day     barChart // 24 hours
	Week    barChart // 7 days, by hour
	DayN    map[string]int
	WeekN   map[string]int
	Kinds   hbarChart
	Domains hbarChart
	Usage   vault.Usage
	UsedPct float64
	Pending int
	Err     string
}

// dashboardTTL: the dashboard reads a week of entries; once a minute is
// enough.
const dashboardTTL = time.Minute

func (c *Console) dashboardPage(w http.ResponseWriter, r *http.Request, s *session) {
	d, err := c.dashboardData(r.Context(), r.URL.Query().Has("refresh"))
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "dashboard", s, struct {
		*dashboard
		Results []string
		Labels  map[string]string
	}{d, results, resultLabels})
}

func (c *Console) dashboardData(ctx context.Context, refresh bool) (*dashboard, error) {
	c.dashMu.Lock()
	defer c.dashMu.Unlock()
	now := c.now()
	if !refresh && c.dash != nil && now.Sub(c.dash.At) < dashboardTTL {
		return c.dash, nil
	}
	d, err := c.computeDashboard(ctx, now)
	if err != nil {
		return nil, err
	}
	c.dash = d
	return d, nil
}

// hourAgg is what the dashboard counts of one hour of mail.
type hourAgg struct {
	results, kinds, domains map[string]int
}

// settled is how long after an hour ends its entries are taken as final
// (their outcomes recorded): older hours are read once and kept.
const settled = 2 * time.Hour

// computeDashboard counts the last 7 days by hour. Hours older than
// settled are kept between computations (c.hours), so after the first
// one only the last hours are read again: a week of Reports is parsed
// once, not every minute. (A purge or a late outcome in an older hour is
// not seen until the console restarts: the dashboard is an overview.)
func (c *Console) computeDashboard(ctx context.Context, now time.Time) (*dashboard, error) {
	end := now.Truncate(time.Hour).Add(time.Hour)
	weekStart, dayStart := end.Add(-7*24*time.Hour), end.Add(-24*time.Hour)
	if c.hours == nil {
		c.hours = map[int64]*hourAgg{}
	}
	for h := range c.hours {
		if h < weekStart.Unix() {
			delete(c.hours, h)
		}
	}
	from := end.Add(-settled)
	for h := weekStart; h.Before(from); h = h.Add(time.Hour) {
		if c.hours[h.Unix()] == nil {
			from = h
			break
		}
	}
	fresh := map[int64]*hourAgg{}
	err := c.v.Summaries(ctx, from, end, true, func(s *vault.Summary) error {
		h := s.Received.Truncate(time.Hour).Unix()
		a := fresh[h]
		if a == nil {
			a = &hourAgg{results: map[string]int{}, kinds: map[string]int{}, domains: map[string]int{}}
			fresh[h] = a
		}
		a.results[resultOf(s.Verdict, s.Delivered, s.Reply)]++
		a.domains[senderDomain(s.MailFrom)]++
		if rep := parseReport(s.Report); rep != nil {
			for _, k := range rep.kinds() {
				a.kinds[k]++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	empty := &hourAgg{}
	for h := from; h.Before(end); h = h.Add(time.Hour) {
		if a := fresh[h.Unix()]; a != nil {
			c.hours[h.Unix()] = a
		} else {
			c.hours[h.Unix()] = empty
		}
	}
	d := &dashboard{At: now, DayN: map[string]int{}, WeekN: map[string]int{}}
	week := make([]map[string]int, 7*24)
	kinds, domains := map[string]int{}, map[string]int{}
	for i := range week {
		h := weekStart.Add(time.Duration(i) * time.Hour)
		a := c.hours[h.Unix()]
		week[i] = a.results
		for r, n := range a.results {
			d.WeekN[r] += n
			if !h.Before(dayStart) {
				d.DayN[r] += n
			}
		}
		for k, n := range a.kinds {
			kinds[k] += n
		}
		for k, n := range a.domains {
			domains[k] += n
		}
	}
	d.Week = stackedBars(week, weekStart, 24, "Mon 01/02", 860, 180)
	d.Day = stackedBars(week[len(week)-24:], dayStart, 3, "15:00", 860, 180)
	d.Kinds = horizontalBars(top(kinds, 12), 860)
	d.Domains = horizontalBars(top(domains, 10), 860)
	if d.Usage, err = c.v.Usage(ctx); err != nil {
		return nil, err
	}
	if d.Usage.MaxSize > 0 {
		d.UsedPct = 100 * float64(d.Usage.Bytes) / float64(d.Usage.MaxSize)
	}
	pending, err := c.v.RequestedReleases(ctx, vault.RequestPending, "", 0)
	if err != nil {
		return nil, err
	}
	d.Pending = len(pending)
	return d, nil
}

// senderDomain is the domain of an envelope sender, "<>" for the null
// sender.
func senderDomain(from string) string {
	if from == "" {
		return "<>"
	}
	if i := strings.LastIndexByte(from, '@'); i >= 0 {
		return strings.ToLower(from[i+1:])
	}
	return strings.ToLower(from)
}

type count struct {
	Label string
	N     int
}

// top returns the n largest counts, ties by label.
func top(m map[string]int, n int) []count {
	out := make([]count, 0, len(m))
	for k, v := range m {
		out = append(out, count{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Label < out[j].Label
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// Charts are SVG drawn here: the templates write these coordinates into
// <rect> and <text> elements (escaped like everything else), styled by
// the console's stylesheet through classes.

type barChart struct {
	Width, Height int
	Bars          []bar
	Labels        []label
	Ticks         []label
	Max           int
}

type bar struct {
	Segments []segment
}

type segment struct {
	X, Y, W, H float64
	Class      string
	Title      string
}

type label struct {
	X, Y float64
	Text string
}

// stackedBars draws one bar per bucket, stacked by result, labelling
// every labelEvery-th bucket with its start time in layout.
func stackedBars(buckets []map[string]int, start time.Time, labelEvery int, layout string, width, height int) barChart {
	const left, bottom, top = 40.0, 20.0, 8.0
	ch := barChart{Width: width, Height: height}
	for _, b := range buckets {
		t := 0
		for _, n := range b {
			t += n
		}
		ch.Max = max(ch.Max, t)
	}
	scaleMax := niceMax(ch.Max)
	plotH := float64(height) - bottom - top
	step := (float64(width) - left) / float64(len(buckets))
	for i, b := range buckets {
		x := left + float64(i)*step
		y := float64(height) - bottom
		at := start.Add(time.Duration(i) * time.Hour).Local()
		var br bar
		for _, res := range results {
			n := b[res]
			if n == 0 {
				continue
			}
			h := plotH * float64(n) / float64(scaleMax)
			y -= h
			br.Segments = append(br.Segments, segment{X: x + step*0.1, Y: y, W: step * 0.8, H: h, Class: "r-" + res,
				Title: fmt.Sprintf("%s: %d %s", at.Format("01/02 15:00"), n, resultLabels[res])})
		}
		ch.Bars = append(ch.Bars, br)
		if i%labelEvery == 0 {
			ch.Labels = append(ch.Labels, label{X: x, Y: float64(height) - 5, Text: at.Format(layout)})
		}
	}
	for _, f := range []int{0, 2, 4} {
		v := scaleMax * f / 4
		ch.Ticks = append(ch.Ticks, label{X: left - 6, Y: float64(height) - bottom - plotH*float64(f)/4 + 4, Text: fmt.Sprint(v)})
	}
	return ch
}

// niceMax rounds a maximum up to 4, 8, 20, 40, 80, 200, ... so the ticks
// at a quarter and a half are round.
func niceMax(n int) int {
	m := 4
	for m < n {
		switch {
		case fmt.Sprint(m)[0] == '4':
			m *= 2
		default:
			m = m / 8 * 20
		}
	}
	return m
}

type hbarChart struct {
	Width, Height int
	Rows          []hbar
}

type hbar struct {
	// Y is the bar's top, TextY the labels' baseline.
	Y, TextY, W float64
	Label       string
	N           int
	NX          float64
}

// horizontalBars draws one labelled bar per count.
func horizontalBars(counts []count, width int) hbarChart {
	const labelW, rowH = 330.0, 22.0
	ch := hbarChart{Width: width, Height: int(rowH*float64(len(counts))) + 4}
	maxN := 1
	for _, c := range counts {
		maxN = max(maxN, c.N)
	}
	plotW := float64(width) - labelW - 60
	for i, c := range counts {
		w := plotW * float64(c.N) / float64(maxN)
		ch.Rows = append(ch.Rows, hbar{Y: float64(i)*rowH + 3, TextY: float64(i)*rowH + 16, W: max(w, 1), Label: c.Label, N: c.N, NX: labelW + w + 6})
	}
	return ch
}
