package console

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mugai/mugai/vault"
)

// traceForm is the search form, as typed.
type traceForm struct {
	ID, QueueID, MessageID, MailFrom, Rcpt, Subject, Since, Until, Verdict, State string
	Held                                                                          bool
}

// Verdicts and states the form offers.
var (
	traceVerdicts = []string{"sanitized", "notice", "quarantined", "passthrough", "rejected"}
	traceStates   = []string{string(vault.StateDelivered), string(vault.StateUndelivered), string(vault.StatePurged)}
)

// parseTrace reads the form into a vault query; a bad date is an error
// for the person to fix.
func parseTrace(v url.Values) (traceForm, vault.Query, error) {
	f := traceForm{
		ID: strings.TrimSpace(v.Get("id")), QueueID: strings.TrimSpace(v.Get("queue_id")),
		MessageID: strings.TrimSpace(v.Get("message_id")), MailFrom: strings.TrimSpace(v.Get("mail_from")),
		Rcpt: strings.TrimSpace(v.Get("rcpt")), Subject: strings.TrimSpace(v.Get("subject")),
		Since: strings.TrimSpace(v.Get("since")), Until: strings.TrimSpace(v.Get("until")),
		Verdict: v.Get("verdict"), State: v.Get("state"), Held: v.Get("held") != "",
	}
	q := vault.Query{ID: f.ID, QueueID: f.QueueID, MessageID: f.MessageID, MailFrom: f.MailFrom, Rcpt: f.Rcpt,
		Subject: f.Subject, Held: f.Held}
	for _, x := range traceVerdicts {
		if f.Verdict == x {
			q.Verdict = x
		}
	}
	for _, x := range traceStates {
		if f.State == x {
			q.State = vault.State(x)
		}
	}
	var err error
	if q.Since, err = parseDay(f.Since, false); err != nil {
		return f, q, err
	}
	if q.Until, err = parseDay(f.Until, true); err != nil {
		return f, q, err
	}
	return f, q, nil
}

// parseDay reads a date (2025-01-14: the whole day, so an end date
// includes it) or a date and time as a browser's datetime-local input
// sends it, in the server's zone.
func parseDay(s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (2025-01-14) or a date and time (2025-01-14T09:30)", s)
}

// traceRow is an entry as a result line.
type traceRow struct {
	vault.Entry
	From, Subject, Result string
}

func rowOf(e *vault.Entry) traceRow {
	r := traceRow{Entry: *e, From: e.Envelope.MailFrom}
	verdict, reply := "", ""
	delivered := false
	if o := e.Outcome; o != nil {
		if o.Headers.From != "" {
			r.From = o.Headers.From
		}
		r.Subject = o.Headers.Subject
		verdict, reply, delivered = o.Verdict, o.Reply, o.Delivered
	}
	r.Result = resultLabels[resultOf(verdict, delivered, reply)]
	return r
}

func (c *Console) tracePage(w http.ResponseWriter, r *http.Request, s *session) {
	v := r.URL.Query()
	f, q, err := parseTrace(v)
	data := struct {
		Form              traceForm
		Verdicts, States  []string
		Rows              []traceRow
		Next, CSV, Error  string
		Searched, HasMore bool
	}{Form: f, Verdicts: traceVerdicts, States: traceStates}
	status := http.StatusOK
	if err != nil {
		data.Error, status = err.Error(), http.StatusBadRequest
	} else {
		q.Cursor, q.Limit = v.Get("cursor"), 50
		page, err := c.v.Search(r.Context(), q)
		if err != nil {
			if strings.Contains(err.Error(), "invalid cursor") {
				c.fail(w, r, http.StatusBadRequest, "The page link is not valid; start the search again.")
				return
			}
			c.serverError(w, r, err)
			return
		}
		for i := range page.Entries {
			data.Rows = append(data.Rows, rowOf(&page.Entries[i]))
		}
		v.Del("cursor")
		data.CSV = "/trace.csv?" + v.Encode()
		if page.Next != "" {
			v.Set("cursor", page.Next)
			data.Next = "/trace?" + v.Encode()
		}
	}
	c.render(w, r, status, "trace", s, data)
}

// csvMaxRows bounds one export.
const csvMaxRows = 100_000

// traceCSV exports every entry the search finds (up to csvMaxRows).
func (c *Console) traceCSV(w http.ResponseWriter, r *http.Request, s *session) {
	_, q, err := parseTrace(r.URL.Query())
	if err != nil {
		c.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	q.Limit = 1000
	page, err := c.v.Search(r.Context(), q)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="mugai-trace.csv"`)
	// A byte order mark, so that Excel reads the UTF-8 (Japanese
	// subjects) as UTF-8.
	w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	cw.Write([]string{"vault_id", "received", "queue_id", "client", "helo", "mail_from", "rcpts", "from", "to",
		"subject", "message_id", "verdict", "result", "state", "held", "size", "sha256", "reply"})
	n := 0
	for {
		for i := range page.Entries {
			e := &page.Entries[i]
			row := rowOf(e)
			var o vault.Outcome
			if e.Outcome != nil {
				o = *e.Outcome
			}
			cw.Write(csvSafe(e.ID, e.Envelope.Received.Format(time.RFC3339), e.Envelope.QueueID, e.Envelope.Client,
				e.Envelope.Helo, e.Envelope.MailFrom, strings.Join(e.Envelope.Rcpts, " "), o.Headers.From, o.Headers.To,
				o.Headers.Subject, o.Headers.MessageID, o.Verdict, row.Result, string(e.State), strconv.FormatBool(e.Held),
				strconv.FormatInt(e.Size, 10), e.SHA256, o.Reply))
			n++
		}
		if page.Next == "" || n >= csvMaxRows {
			break
		}
		q.Cursor = page.Next
		if page, err = c.v.Search(r.Context(), q); err != nil {
			// The header is sent: end the file with a line that says so.
			c.log.Error("console: CSV export", "err", err)
			cw.Write([]string{"# the export stopped early: " + err.Error()})
			break
		}
	}
	cw.Flush()
	c.log.Info("console: CSV export", "user", s.user.Name, "rows", n)
}

// csvSafe quotes cells a spreadsheet would run as a formula (a subject
// starting with "=" is the sender's choice): OWASP's CSV injection rule.
func csvSafe(cells ...string) []string {
	for i, v := range cells {
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			cells[i] = "'" + v
		}
	}
	return cells
}
