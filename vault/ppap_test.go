package vault

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestArchiveLifecycle holds a PPAP archive, counts wrong passwords to the
// lock, opens another (once: a second opening changes nothing), claims
// its delivery under a lease, retries, delivers, and expires a third;
// everything is in the audit chain, and the data is erased at each end.
func TestArchiveLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p place) {
		ctx := context.Background()
		k, gk, clk := newKeys(t), newKeys(t), newClock()
		v := p.open(t, Options{Recipients: k.rcp, Now: clk.Now})
		entry := mustPut(t, v, envelope("Q1"), message("zip", "body")).ID
		hold := func(name, rcpt string) string {
			t.Helper()
			a := Archive{EntryID: entry, Name: name, Scheme: "zipcrypto", SHA256: "ab", MailFrom: "Sender@Example.jp",
				HeaderFrom: "sender@example.jp", Rcpt: rcpt, Subject: "見積", MessageID: "<m@x>",
				Received: clk.Now(), Expires: clk.Now().Add(24 * time.Hour)}
			id, err := v.HoldArchive(ctx, a, []byte("zip data of "+name), gk.id.Recipient())
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		locked, opened, expired := hold("a.zip", "soumu@city.example.lg.jp"), hold("b.zip", "soumu@city.example.lg.jp"), hold("c.zip", "kikaku@city.example.lg.jp")

		got, err := v.OpenableArchives(ctx, "sender@example.JP", "SOUMU@city.example.lg.jp", clk.Now().Add(-time.Hour))
		if err != nil || len(got) != 2 || got[0].ID+got[1].ID != locked+opened && got[0].ID+got[1].ID != opened+locked || got[0].Subject != "見積" {
			t.Fatalf("OpenableArchives = %+v, %v", got, err)
		}
		if data, err := v.ArchiveData(ctx, locked, gk.id, 1<<20); err != nil || string(data) != "zip data of a.zip" {
			t.Fatalf("ArchiveData = %q, %v", data, err)
		}
		if _, err := v.ArchiveData(ctx, locked, k.id, 1<<20); !errors.Is(err, ErrWrongKey) {
			t.Errorf("ArchiveData with the vault's key: %v", err)
		}

		for i := 1; i <= 3; i++ {
			n, isLocked, err := v.ArchiveFailed(ctx, locked, "recipient:soumu@city.example.lg.jp", "", 3)
			if err != nil || n != i || isLocked != (i == 3) {
				t.Fatalf("try %d: %d %v %v", i, n, isLocked, err)
			}
		}
		if _, _, err := v.ArchiveFailed(ctx, locked, "x", "", 3); err == nil {
			t.Error("a locked archive took another try")
		}
		if _, err := v.ArchiveData(ctx, locked, gk.id, 1<<20); !errors.Is(err, ErrPurged) {
			t.Errorf("a locked archive's data: %v", err)
		}

		ok, err := v.ArchiveOpened(ctx, opened, OpenedByMail, entry, "gateway", []byte("the contents message"), gk.id.Recipient())
		if err != nil || !ok {
			t.Fatalf("ArchiveOpened = %v, %v", ok, err)
		}
		if ok, err := v.ArchiveOpened(ctx, opened, OpenedByPage, "", "recipient:x", []byte("again"), gk.id.Recipient()); err != nil || ok {
			t.Fatalf("opened twice: %v, %v", ok, err)
		}
		a, err := v.ClaimArchiveDelivery(ctx, time.Minute)
		if err != nil || a == nil || a.ID != opened || a.Attempts != 1 {
			t.Fatalf("claim = %+v, %v", a, err)
		}
		if b, err := v.ClaimArchiveDelivery(ctx, time.Minute); err != nil || b != nil {
			t.Fatalf("claimed twice within the lease: %+v, %v", b, err)
		}
		if msg, err := v.ArchiveMessage(ctx, opened, gk.id, 1<<20); err != nil || string(msg) != "the contents message" {
			t.Fatalf("ArchiveMessage = %q, %v", msg, err)
		}
		if err := v.ArchiveRetry(ctx, opened, clk.Now().Add(time.Minute), "451 4.3.0 try later"); err != nil {
			t.Fatal(err)
		}
		if b, _ := v.ClaimArchiveDelivery(ctx, time.Minute); b != nil {
			t.Fatal("claimed before its retry time")
		}
		clk.Advance(2 * time.Minute)
		if a, err = v.ClaimArchiveDelivery(ctx, time.Minute); err != nil || a == nil || a.Attempts != 2 || a.LastError != "451 4.3.0 try later" {
			t.Fatalf("claim after the retry time = %+v, %v", a, err)
		}
		if err := v.ArchiveDelivered(ctx, opened, "250 ok"); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Hour)
		if b, _ := v.ClaimArchiveDelivery(ctx, time.Minute); b != nil {
			t.Fatal("a delivered archive claimed again")
		}
		if _, err := v.ArchiveMessage(ctx, opened, gk.id, 1<<20); !errors.Is(err, ErrPurged) {
			t.Errorf("the delivered message is kept: %v", err)
		}

		clk.Advance(24 * time.Hour)
		if n, err := v.ExpireArchives(ctx); err != nil || n != 1 {
			t.Fatalf("ExpireArchives = %d, %v", n, err)
		}
		all, err := v.Archives(ctx, entry)
		if err != nil || len(all) != 3 {
			t.Fatal(all, err)
		}
		states, byID := map[string]ArchiveState{}, map[string]Archive{}
		for _, a := range all {
			states[a.ID], byID[a.ID] = a.State, a
		}
		if states[locked] != ArchiveLocked || states[opened] != ArchiveOpened || states[expired] != ArchiveExpired {
			t.Errorf("states %v", states)
		}
		if k := eventKinds(t, v, entry); !strings.Contains(k, "ppap") {
			t.Errorf("events %s", k)
		}
		if o := byID[opened]; o.Delivery != ArchiveDelivered || o.OpenedBy != OpenedByMail || o.OpenedWith != entry || o.DeliveredAt.IsZero() {
			t.Errorf("opened archive %+v", o)
		}
		var audit bytes.Buffer
		if err := v.Audit(ctx, 0, func(r AuditRecord) error {
			if r.Action == AuditPPAP {
				audit.WriteString(r.Actor + " " + r.Detail + "\n")
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"held archive " + locked, "wrong password 3 of 3; locked", "opened by mail (password mail " + entry,
			"contents delivered: 250 ok", expired + ": not opened within its window"} {
			if !strings.Contains(audit.String(), want) {
				t.Errorf("audit lacks %q:\n%s", want, audit.String())
			}
		}
		if c, err := v.VerifyAudit(ctx); err != nil || !c.OK() {
			t.Errorf("audit chain: %+v %v", c, err)
		}
	})
}

// TestPurgeErasesArchives: purging an entry erases the archives still held
// from it.
func TestPurgeErasesArchives(t *testing.T) {
	ctx := context.Background()
	k, gk := newKeys(t), newKeys(t)
	v := newPlace(t, BackendSQLite).open(t, Options{Recipients: k.rcp})
	entry := mustPut(t, v, envelope("Q1"), message("zip", "body")).ID
	id, err := v.HoldArchive(ctx, Archive{EntryID: entry, Name: "a.zip", Rcpt: "r@example.jp", Expires: time.Now().Add(time.Hour)},
		[]byte("zip"), gk.id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Purge(ctx, entry, "test", "done"); err != nil {
		t.Fatal(err)
	}
	if _, err := v.ArchiveData(ctx, id, gk.id, 100); !errors.Is(err, ErrPurged) {
		t.Errorf("the archive of a purged entry: %v", err)
	}
	if a, err := v.Archive(ctx, id); err != nil || a.State != ArchiveExpired {
		t.Errorf("state %+v %v", a, err)
	}
}
