package vault

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mugai/mugai/smtpd/reply"
)

func TestPutOriginal(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p place) {
		k := newKeys(t)
		clk := newClock()
		v := p.open(t, Options{Recipients: k.rcp, Now: clk.Now})
		ctx := context.Background()
		// Larger than a PostgreSQL chunk and than age's 64 KiB STREAM chunk.
		msg := message("test", strings.Repeat("本文です。0123456789\r\n", 100_000))
		env := envelope("Q1")
		env.SMTPUTF8 = true
		res := mustPut(t, v, env, msg)
		if res.Reused || res.Size != int64(len(msg)) || len(res.SHA256) != 64 {
			t.Errorf("Put = %+v", res)
		}
		if got := readOriginal(t, v, res.ID, k.ids); !bytes.Equal(got, msg) {
			t.Fatalf("original differs: %d bytes, want %d", len(got), len(msg))
		}
		e, err := v.Entry(ctx, strings.ToLower(strings.ReplaceAll(res.ID, "-", "")))
		if err != nil {
			t.Fatal(err)
		}
		if e.ID != res.ID || e.State != StateStored || !e.Undelivered() || e.Outcome != nil ||
			e.Envelope.QueueID != "Q1" || e.Envelope.Helo != "mx.example.jp" || !e.Envelope.SMTPUTF8 ||
			e.Envelope.Rcpts[0] != "soumu@city.example.lg.jp" || !e.Envelope.Received.Equal(clk.Now()) ||
			!e.Expires.Equal(clk.Now().Add(DefaultRetention)) || e.StoredSize <= e.Size || e.Attempts != 1 {
			t.Errorf("entry = %+v", e)
		}
		evs, err := v.Events(ctx, res.ID)
		if err != nil || len(evs) != 2 || evs[0].Kind != EventStored || evs[0].QueueID != "Q1" || evs[1].Kind != EventRead {
			t.Errorf("events = %+v, %v", evs, err)
		}
		if _, err := v.Entry(ctx, "0000-0000-0000-0000"); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing entry: %v", err)
		}
		if _, err := v.Entry(ctx, "not an id"); !errors.Is(err, ErrNotFound) {
			t.Errorf("bad id: %v", err)
		}
	})
}

func TestOutcomeAndSearch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p place) {
		k := newKeys(t)
		clk := newClock()
		v := p.open(t, Options{Recipients: k.rcp, Now: clk.Now})
		ctx := context.Background()
		type item struct {
			subject, from, rcpt string
			delivered           bool
		}
		items := []item{
			{"見積書の送付について", "山田 太郎 <yamada@example.jp>", "soumu@city.example.lg.jp", true},
			{"Invoice for March", "Billing <billing@vendor.example.com>", "keiri@city.example.lg.jp", true},
			{"【至急】会議資料（第２回）", "佐藤 <sato@example.jp>", "soumu@city.example.lg.jp", false},
			{"ｶﾀｶﾅの件名 ABC", "x@example.org", "kikaku@city.example.lg.jp", true},
			{"見積", "y@example.org", "kikaku@city.example.lg.jp", true},
		}
		ids := make([]string, len(items))
		for i, it := range items {
			env := envelope(fmt.Sprintf("Q%d", i))
			env.Rcpts = []string{it.rcpt}
			env.MailFrom = strings.Trim(it.from[strings.LastIndex(it.from, " ")+1:], "<>")
			res := mustPut(t, v, env, message("x", it.subject))
			ids[i] = res.ID
			err := v.RecordOutcome(ctx, res.ID, Outcome{
				Verdict: "sanitized", Delivered: it.delivered, Reply: "250 2.0.0 Ok",
				DeliveredSHA256: fmt.Sprintf("%064x", i+1), DeliveredSize: 100,
				Headers: Headers{From: it.from, To: it.rcpt, Subject: it.subject,
					MessageID: fmt.Sprintf("<m%d@example.jp>", i), Date: "Tue, 14 Jan 2025 09:30:00 +0900"},
				Report: json.RawMessage(`{"parts":[]}`),
			})
			if err != nil {
				t.Fatal(err)
			}
			clk.Advance(time.Minute)
		}
		check := func(name string, q Query, want ...int) {
			t.Helper()
			page, err := v.Search(ctx, q)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			var got, wantIDs []string
			for _, e := range page.Entries {
				got = append(got, e.ID)
			}
			// Results are newest first.
			for i := len(want) - 1; i >= 0; i-- {
				wantIDs = append(wantIDs, ids[want[i]])
			}
			if strings.Join(got, ",") != strings.Join(wantIDs, ",") {
				t.Errorf("%s: got %v, want %v", name, got, wantIDs)
			}
		}
		check("all", Query{}, 0, 1, 2, 3, 4)
		check("subject ja word", Query{Subject: "見積書"}, 0)
		check("subject ja two chars", Query{Subject: "見積"}, 0, 4)
		check("subject ja one char", Query{Subject: "積"}, 0, 4)
		check("subject ja inner", Query{Subject: "送付"}, 0)
		check("subject ja no match across", Query{Subject: "書送"})
		check("subject full-width digit", Query{Subject: "第2回"}, 2)
		check("subject brackets", Query{Subject: "至急 会議"}, 2)
		check("subject half-width kana", Query{Subject: "カタカナ"}, 3)
		check("subject en word", Query{Subject: "invoice"}, 1)
		check("subject en two words", Query{Subject: "march INVOICE"}, 1)
		check("subject en part of word", Query{Subject: "voice"})
		check("from name", Query{From: "山田"}, 0)
		check("from domain", Query{From: "@EXAMPLE.jp"}, 0, 2)
		check("mail from", Query{MailFrom: "billing@"}, 1)
		check("rcpt", Query{Rcpt: "kikaku@"}, 3, 4)
		check("to", Query{To: "keiri"}, 1)
		check("message id", Query{MessageID: "m2@example.jp"}, 2)
		check("message id brackets", Query{MessageID: "<m2@example.jp>"}, 2)
		check("queue id", Query{QueueID: "Q3"}, 3)
		check("vault id", Query{ID: ids[1]}, 1)
		check("sha of delivered copy", Query{SHA256: fmt.Sprintf("%064X", 2)}, 1)
		check("undelivered", Query{State: StateUndelivered}, 2)
		check("delivered", Query{State: StateDelivered}, 0, 1, 3, 4)
		check("verdict", Query{Verdict: "sanitized", Rcpt: "soumu"}, 0, 2)
		t0 := newClock().Now()
		check("time range", Query{Since: t0.Add(time.Minute), Until: t0.Add(3 * time.Minute)}, 1, 2)
		check("client", Query{Client: "192.0.2.25"}, 0, 1, 2, 3, 4)
		check("helo", Query{Helo: "MX.example"}, 0, 1, 2, 3, 4)
		check("like wildcard is literal", Query{From: "%"})
		check("bad id finds nothing", Query{ID: "zzz"})

		// Pagination: two at a time, newest first, no repeats.
		var seen []string
		q := Query{Limit: 2}
		for range 5 {
			page, err := v.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page.Entries {
				seen = append(seen, e.ID)
			}
			if page.Next == "" {
				break
			}
			q.Cursor = page.Next
		}
		if len(seen) != 5 || seen[0] != ids[4] || seen[4] != ids[0] {
			t.Errorf("pages: %v", seen)
		}
		if _, err := v.Search(ctx, Query{Cursor: "!!"}); err == nil {
			t.Error("a bad cursor was accepted")
		}

		e, err := v.Entry(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if e.State != StateDelivered || e.Outcome == nil || e.Outcome.Headers.Subject != items[0].subject ||
			e.Outcome.Headers.MessageID != "m0@example.jp" || string(e.Outcome.Report) != `{"parts":[]}` {
			t.Errorf("entry after outcome: %+v %+v", e, e.Outcome)
		}
		if err := v.RecordOutcome(ctx, ids[0], Outcome{Report: json.RawMessage("{")}); err == nil {
			t.Error("invalid report JSON accepted")
		}
	})
}

func TestRetriesDoNotPileUp(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p place) {
		k := newKeys(t)
		clk := newClock()
		v := p.open(t, Options{Recipients: k.rcp, Now: clk.Now, DedupeWindow: 24 * time.Hour})
		ctx := context.Background()
		msg := message("retry", "body")
		first := mustPut(t, v, envelope("Q1"), msg)

		// The same transaction again (same queue id): the same entry.
		if again := mustPut(t, v, envelope("Q1"), msg); again.ID != first.ID || !again.Reused {
			t.Errorf("same queue id: %+v", again)
		}
		// The sender's retries, hours apart, each a new transaction:
		// one entry, however many tries.
		for i := range 30 {
			clk.Advance(3 * time.Hour)
			env := envelope(fmt.Sprintf("R%d", i))
			env.Client = "192.0.2.26:5000"
			env.Rcpts = []string{"SOUMU@city.example.lg.jp"} // letter case does not matter
			if r := mustPut(t, v, env, msg); r.ID != first.ID || !r.Reused {
				t.Fatalf("retry %d stored a new entry: %+v", i, r)
			}
		}
		u, err := v.Usage(ctx)
		if err != nil || u.Entries != 1 {
			t.Fatalf("usage after retries: %+v, %v", u, err)
		}
		e, _ := v.Entry(ctx, first.ID)
		if e.Attempts != 31 || !e.LastSeen.Equal(clk.Now()) {
			t.Errorf("attempts %d, last seen %v", e.Attempts, e.LastSeen)
		}
		// A retry's queue id finds the entry.
		if page, _ := v.Search(ctx, Query{QueueID: "R7"}); len(page.Entries) != 1 || page.Entries[0].ID != first.ID {
			t.Errorf("search by a retry's queue id: %+v", page)
		}
		// Another recipient, or another content, is another message.
		env := envelope("Q2")
		env.Rcpts = []string{"other@city.example.lg.jp"}
		if r := mustPut(t, v, env, msg); r.Reused {
			t.Error("a different recipient reused the entry")
		}
		if r := mustPut(t, v, envelope("Q3"), message("retry", "other body")); r.Reused {
			t.Error("a different original reused the entry")
		}
		// Once delivered, the same message again is a new message (sent
		// twice on purpose), not a retry.
		if err := v.RecordOutcome(ctx, first.ID, Outcome{Verdict: "sanitized", Delivered: true}); err != nil {
			t.Fatal(err)
		}
		if r := mustPut(t, v, envelope("Q4"), msg); r.Reused || r.ID == first.ID {
			t.Errorf("a delivered message was reused: %+v", r)
		}
		// After the window, a retry starts a new entry.
		undelivered := mustPut(t, v, envelope("Q5"), message("w", "w"))
		clk.Advance(25 * time.Hour)
		if r := mustPut(t, v, envelope("Q6"), message("w", "w")); r.ID == undelivered.ID {
			// message() makes a new Message-ID, so this is another original anyway.
			t.Fatal("test bug: expected distinct originals")
		}
		if u, _ := v.Usage(ctx); u.Entries != 6 {
			t.Errorf("entries = %d, want 6", u.Entries)
		}
	})
}

func TestDedupeWindowEnds(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p place) {
		k := newKeys(t)
		clk := newClock()
		v := p.open(t, Options{Recipients: k.rcp, Now: clk.Now, DedupeWindow: time.Hour})
		msg := message("window", "body")
		a := mustPut(t, v, envelope("Q1"), msg)
		clk.Advance(2 * time.Hour)
		b := mustPut(t, v, envelope("Q2"), msg)
		if b.Reused || b.ID == a.ID {
			t.Errorf("a retry after the window reused the entry: %+v", b)
		}
	})
}

func TestWrongKey(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p place) {
		k, other := newKeys(t), newKeys(t)
		v := p.open(t, Options{Recipients: k.rcp})
		ctx := context.Background()
		res := mustPut(t, v, envelope("Q1"), message("k", "secret"))
		_, _, err := v.Original(ctx, res.ID, Access{Actor: "cli:mallory", Identities: other.ids})
		if !errors.Is(err, ErrWrongKey) {
			t.Fatalf("wrong identity: %v", err)
		}
		var last AuditRecord
		v.Audit(ctx, 1, func(r AuditRecord) error { last = r; return nil })
		if last.Action != AuditRead || last.Actor != "cli:mallory" || !strings.Contains(last.Detail, "denied") {
			t.Errorf("refused read not audited: %+v", last)
		}
		// A vault opened without recipients reads but cannot store.
		ro := p.open(t, Options{})
		if _, err := ro.Put(ctx, envelope("Q2"), strings.NewReader("x")); !errors.Is(err, ErrNoKeys) {
			t.Errorf("Put without keys: %v", err)
		}
		if got := readOriginal(t, ro, res.ID, k.ids); !bytes.Contains(got, []byte("secret")) {
			t.Error("read-only vault cannot read")
		}
	})
}

func TestHoldAndPurge(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p place) {
		k := newKeys(t)
		v := p.open(t, Options{Recipients: k.rcp})
		ctx := context.Background()
		res := mustPut(t, v, envelope("Q1"), message("p", "purge me"))
		if err := v.RecordOutcome(ctx, res.ID, Outcome{Verdict: "sanitized", Delivered: true,
			Headers: Headers{Subject: "秘密の件名"}, Report: json.RawMessage(`{}`)}); err != nil {
			t.Fatal(err)
		}
		if err := v.SetHold(ctx, res.ID, true, "cli:alice", "訴訟"); err != nil {
			t.Fatal(err)
		}
		if err := v.Purge(ctx, res.ID, "cli:bob", "cleanup"); !errors.Is(err, ErrHeld) {
			t.Fatalf("purge of a held entry: %v", err)
		}
		if err := v.SetHold(ctx, res.ID, false, "cli:alice", ""); err != nil {
			t.Fatal(err)
		}
		db := p.db(t)
		var object string
		db.QueryRow(`SELECT object FROM entries WHERE id = $1`, res.ID).Scan(&object)
		if err := v.Purge(ctx, res.ID, "cli:bob", "cleanup"); err != nil {
			t.Fatal(err)
		}
		// Crypto-erase: the entry key is gone, and the object too.
		var wrapped []byte
		var obj *string
		if err := db.QueryRow(`SELECT wrapped_key, object FROM entries WHERE id = $1`, res.ID).Scan(&wrapped, &obj); err != nil {
			t.Fatal(err)
		}
		if wrapped != nil || obj != nil {
			t.Errorf("after purge: key %d bytes, object %v", len(wrapped), obj)
		}
		if _, err := v.store.Open(ctx, object); err == nil {
			t.Error("object still in the store")
		}
		if _, _, err := v.Original(ctx, res.ID, Access{Identities: k.ids}); !errors.Is(err, ErrPurged) {
			t.Errorf("read after purge: %v", err)
		}
		if err := v.Purge(ctx, res.ID, "cli:bob", ""); !errors.Is(err, ErrPurged) {
			t.Errorf("second purge: %v", err)
		}
		e, _ := v.Entry(ctx, res.ID)
		if e.State != StatePurged || e.Purged.IsZero() || e.Outcome == nil || e.Outcome.Headers.Subject != "" || len(e.Outcome.Report) != 0 {
			t.Errorf("purged entry keeps %+v %+v", e, e.Outcome)
		}
		if page, _ := v.Search(ctx, Query{Subject: "秘密"}); len(page.Entries) != 0 {
			t.Error("a purged entry is still found by its subject")
		}
		if got := eventKinds(t, v, res.ID); got != "stored outcome hold unhold purge denied" {
			t.Errorf("events: %s", got)
		}
		if u, _ := v.Usage(ctx); u.Entries != 0 || u.Bytes != 0 {
			t.Errorf("usage after purge: %+v", u)
		}
	})
}

func TestRetentionSweep(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p place) {
		k := newKeys(t)
		clk := newClock()
		v := p.open(t, Options{Recipients: k.rcp, Now: clk.Now})
		ctx := context.Background()
		old := mustPut(t, v, envelope("Q1"), message("old", "1"))
		held := mustPut(t, v, envelope("Q2"), message("held", "2"))
		if err := v.SetHold(ctx, held.ID, true, "cli:alice", "case 7"); err != nil {
			t.Fatal(err)
		}
		clk.Advance(20 * 24 * time.Hour)
		young := mustPut(t, v, envelope("Q3"), message("young", "3"))

		if res, err := v.Sweep(ctx); err != nil || res.Purged != 0 {
			t.Fatalf("sweep before expiry: %+v %v", res, err)
		}
		clk.Advance(10*24*time.Hour + time.Second) // 30 days after the first two
		res, err := v.Sweep(ctx)
		if err != nil || res.Purged != 1 {
			t.Fatalf("sweep: %+v %v", res, err)
		}
		if _, _, err := v.Original(ctx, old.ID, Access{Identities: k.ids}); !errors.Is(err, ErrPurged) {
			t.Errorf("expired entry: %v", err)
		}
		readOriginal(t, v, held.ID, k.ids)
		readOriginal(t, v, young.ID, k.ids)
		var rec AuditRecord
		v.Audit(ctx, 1, func(r AuditRecord) error {
			if r.Action == AuditPurge {
				rec = r
			}
			return nil
		})
		if rec.Actor != "retention" || rec.EntryID != old.ID {
			t.Errorf("retention purge audit: %+v", rec)
		}
	})
}

func TestMaxSize(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p place) {
		k := newKeys(t)
		v := p.open(t, Options{Recipients: k.rcp, MaxSize: 100_000})
		ctx := context.Background()
		var stored []string
		var full *FullError
		for i := range 20 {
			res, err := v.Put(ctx, envelope(fmt.Sprintf("Q%d", i)), bytes.NewReader(message("m", strings.Repeat("x", 30_000))))
			if errors.As(err, &full) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			stored = append(stored, res.ID)
		}
		if full == nil || len(stored) != 4 {
			t.Fatalf("stored %d before full (%v)", len(stored), full)
		}
		var r *reply.Reply
		if !errors.As(full, &r) || r.Code != 452 || r.EnhancedCode() != [3]int{4, 3, 1} {
			t.Errorf("full reply %v", r)
		}
		// Purging frees the space.
		if err := v.Purge(ctx, stored[0], "cli:admin", ""); err != nil {
			t.Fatal(err)
		}
		if err := v.Purge(ctx, stored[1], "cli:admin", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Put(ctx, envelope("Qx"), bytes.NewReader(message("m", "small"))); err != nil {
			t.Errorf("Put after purge: %v", err)
		}
	})
}

func TestAuditChain(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p place) {
		k := newKeys(t)
		v := p.open(t, Options{Recipients: k.rcp})
		ctx := context.Background()
		var ids []string
		for i := range 3 {
			ids = append(ids, mustPut(t, v, envelope(fmt.Sprintf("Q%d", i)), message("a", "b")).ID)
		}
		readOriginal(t, v, ids[0], k.ids)
		v.SetHold(ctx, ids[1], true, "cli:alice", "")
		v.Purge(ctx, ids[2], "cli:bob", "done")

		var actions []string
		v.Audit(ctx, 1, func(r AuditRecord) error { actions = append(actions, r.Action); return nil })
		if got := strings.Join(actions, " "); got != "keys read hold purge" {
			t.Fatalf("audit actions: %s", got)
		}
		c, err := v.VerifyAudit(ctx)
		if err != nil || !c.OK() || c.Records != 4 || c.HeadSeq != 4 {
			t.Fatalf("verify: %+v %v", c, err)
		}

		// A new key set (rotation) is recorded at the next start.
		k2 := newKeys(t)
		v2 := p.open(t, Options{Recipients: append(k.rcp, k2.rcp...)})
		var last AuditRecord
		v2.Audit(ctx, 1, func(r AuditRecord) error { last = r; return nil })
		if last.Action != AuditKeys || !strings.Contains(last.Detail, "before:") {
			t.Errorf("key change: %+v", last)
		}
		// Reopening with the same keys records nothing.
		p.open(t, Options{Recipients: append(k2.rcp, k.rcp...)})
		if c, _ := v.VerifyAudit(ctx); c.Records != 5 {
			t.Errorf("records after reopening: %d", c.Records)
		}

		db := p.db(t)
		tamper := func(name, stmt, want string) {
			t.Helper()
			tx, err := db.Begin()
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback() // undo, so the next case starts intact
			if _, err := tx.Exec(stmt); err != nil {
				t.Fatal(err)
			}
			c, err := verifyAudit(ctx, tx)
			if err != nil {
				t.Fatal(err)
			}
			if c.OK() || !strings.Contains(strings.Join(c.Problems, "\n"), want) {
				t.Errorf("%s: problems %q, want %q", name, c.Problems, want)
			}
		}
		tamper("changed detail", `UPDATE audit SET detail = 'reason="nothing"' WHERE seq = 4`, "record 4: its contents do not match")
		tamper("changed actor", `UPDATE audit SET actor = 'cli:nobody' WHERE seq = 2`, "record 2: its contents do not match")
		tamper("removed record", `DELETE FROM audit WHERE seq = 3`, "records 3 to 3 are missing")
		tamper("removed last", `DELETE FROM audit WHERE seq = 5`, "the last records were removed")
		tamper("rewritten with new hash", `UPDATE audit SET detail = 'x', hash = 'ab' WHERE seq = 3`, "record 4: does not follow")
		tamper("head rewound", `UPDATE audit_head SET seq = 5, hash = 'ab'`, "the last record's hash differs")
	})
}

func TestConcurrentPuts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p place) {
		k := newKeys(t)
		v := p.open(t, Options{Recipients: k.rcp})
		ctx := context.Background()
		var mu sync.Mutex
		got := map[string][]byte{}
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 5 {
					msg := message("c", fmt.Sprintf("goroutine %d message %d", g, i))
					res, err := v.Put(ctx, envelope(fmt.Sprintf("G%dM%d", g, i)), bytes.NewReader(msg))
					if err != nil {
						t.Error(err)
						return
					}
					if err := v.RecordOutcome(ctx, res.ID, Outcome{Verdict: "sanitized", Delivered: true}); err != nil {
						t.Error(err)
					}
					if rc, _, err := v.Original(ctx, res.ID, Access{Actor: "t", Identities: k.ids}); err != nil {
						t.Error(err)
					} else {
						rc.Close()
					}
					mu.Lock()
					got[res.ID] = msg
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(got) != 40 {
			t.Fatalf("%d distinct entries, want 40", len(got))
		}
		for id, msg := range got {
			if !bytes.Equal(readOriginal(t, v, id, k.ids), msg) {
				t.Errorf("%s: original differs", id)
			}
		}
		if c, err := v.VerifyAudit(ctx); err != nil || !c.OK() || c.Records != 1+80 {
			t.Errorf("audit after concurrent reads: %+v %v", c, err)
		}
	})
}

func TestOrphanSweep(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p place) {
		k := newKeys(t)
		v := p.open(t, Options{Recipients: k.rcp})
		ctx := context.Background()
		kept := mustPut(t, v, envelope("Q1"), message("k", "kept"))
		// An object whose index entry was never written (a crash inside Put).
		orphan := objectKey(newID(), time.Now().UTC().Format(dayLayout))
		if _, err := v.store.Put(ctx, orphan, strings.NewReader("ciphertext")); err != nil {
			t.Fatal(err)
		}
		makeOld(t, p, v, orphan)
		e, _ := v.Entry(ctx, kept.ID)
		var keptKey string
		p.db(t).QueryRow(`SELECT object FROM entries WHERE id = $1`, e.ID).Scan(&keptKey)
		makeOld(t, p, v, keptKey)
		res, err := v.Sweep(ctx)
		if err != nil || res.Objects != 1 {
			t.Fatalf("sweep: %+v %v", res, err)
		}
		if _, err := v.store.Open(ctx, orphan); err == nil {
			t.Error("orphan not deleted")
		}
		readOriginal(t, v, kept.ID, k.ids)
	})
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// makeOld sets an object's store time two hours back.
func makeOld(t *testing.T, p place, v *Vault, key string) {
	t.Helper()
	old := time.Now().Add(-2 * time.Hour)
	if p.backend == BackendSQLite {
		if path := v.store.(*sqliteStore).files.path(key); fileExists(path) {
			if err := os.Chtimes(path, old, old); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	if _, err := p.db(t).Exec(`UPDATE objects SET created = $1 WHERE key = $2`, micros(old), key); err != nil {
		t.Fatal(err)
	}
}
