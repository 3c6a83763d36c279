package gateway

import (
	"context"
	"encoding/base64"
	netsmtp "net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mugai/mugai/config"
	"github.com/mugai/mugai/internal/smtptest"
	"github.com/mugai/mugai/internal/testinput/archivetest"
	"github.com/mugai/mugai/vault"
)

// ppapFixture is a PPAP opener on a fresh vault delivering to a test next
// hop, with one AES-256 zip held for soumu@ (the page's limit 3).
type ppapFixture struct {
	p       *PPAP
	v       *vault.Vault
	next    *smtptest.Server
	entry   string
	archive string
}

func newPPAPFixture(t *testing.T) *ppapFixture {
	t.Helper()
	next := smtptest.NewServer(t, nil)
	cfg, err := config.Parse("test.yaml", []byte(relayConfig(next.Addr, "ppap: {max_tries: 3}\n")))
	if err != nil {
		t.Fatal(err)
	}
	opts := withTestVault(t, cfg, testOptions(t))
	ctx := context.Background()
	p, err := NewPPAP(ctx, cfg, opts.Vault, opts.Worker, nil, opts.Logger)
	if err != nil {
		t.Fatal(err)
	}
	f := &ppapFixture{p: p, v: opts.Vault, next: next}
	res, err := f.v.Put(ctx, vault.Envelope{QueueID: "Q1", MailFrom: "a@example.jp", Rcpts: []string{"soumu@city.example.lg.jp"}},
		strings.NewReader("Subject: x\r\n\r\nx\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	f.entry = res.ID
	zip := archivetest.EncryptedZip("s3cret-Pw", archivetest.Encryption{AES: 3}, archivetest.File{Name: "memo.txt", Body: []byte("ppap-unit-contents\n")})
	f.archive, err = f.v.HoldArchive(ctx, vault.Archive{EntryID: f.entry, Name: "memo.zip", Scheme: "aes-256", MailFrom: "a@example.jp",
		HeaderFrom: "a@example.jp", Rcpt: "soumu@city.example.lg.jp", Subject: "資料", MessageID: "<orig@example.jp>",
		Received: time.Now(), Expires: time.Now().Add(time.Hour)}, zip, p.key.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestPPAPPageLocks: wrong passwords are counted and lock the zip at
// ppap.max_tries; the page may not open it then, nor for another
// recipient.
func TestPPAPPageLocks(t *testing.T) {
	f := newPPAPFixture(t)
	ctx := context.Background()
	if _, err := f.p.OpenByPage(ctx, f.archive, "kikaku@city.example.lg.jp", "s3cret-Pw", "recipient:kikaku"); err == nil {
		t.Error("another recipient opened the zip")
	}
	for i := 1; i <= 3; i++ {
		res, err := f.p.OpenByPage(ctx, f.archive, "soumu@city.example.lg.jp", "wrong", "recipient:soumu")
		if err != nil || res.Opened || res.Failures != i || res.Locked != (i == 3) {
			t.Fatalf("try %d: %+v %v", i, res, err)
		}
	}
	res, err := f.p.OpenByPage(ctx, f.archive, "soumu@city.example.lg.jp", "s3cret-Pw", "recipient:soumu")
	if err != nil || res.Opened || res.State != string(vault.ArchiveLocked) {
		t.Fatalf("the right password after the lock: %+v %v", res, err)
	}
}

// TestPPAPDeliveryRetried: the contents of an opened zip are kept until
// the next hop takes them — a refusal is retried, and once delivered they
// are never sent again.
func TestPPAPDeliveryRetried(t *testing.T) {
	f := newPPAPFixture(t)
	ctx := context.Background()
	f.next.SetBehavior(smtptest.Behavior{DataReply: &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}})
	res, err := f.p.OpenByPage(ctx, f.archive, "soumu@city.example.lg.jp", "s3cret-Pw", "recipient:soumu")
	if err != nil || !res.Opened {
		t.Fatalf("OpenByPage = %+v, %v", res, err)
	}
	f.p.deliverDue(ctx)
	a, err := f.v.Archive(ctx, f.archive)
	if err != nil || a.Delivery != vault.ArchivePending || a.Attempts != 1 || !strings.Contains(a.LastError, "451") {
		t.Fatalf("after a refusal: %+v %v", a, err)
	}
	if n := len(f.next.Messages()); n != 0 {
		t.Fatalf("the next hop kept %d messages", n)
	}
	f.next.SetBehavior(smtptest.Behavior{})
	f.p.deliverDue(ctx) // not due yet
	if n := len(f.next.Messages()); n != 0 {
		t.Fatalf("retried before its time: %d", n)
	}
	// The retry is due: make it so by recording it an hour ago.
	if err := f.v.ArchiveRetry(ctx, f.archive, time.Now().Add(-time.Minute), a.LastError); err != nil {
		t.Fatal(err)
	}
	f.p.deliverDue(ctx)
	f.p.deliverDue(ctx)
	msgs := f.next.Messages()
	if len(msgs) != 1 {
		t.Fatalf("the next hop got %d messages, want 1", len(msgs))
	}
	if !strings.Contains(string(msgs[0].Data), "ppap-unit-contents") || !strings.Contains(string(msgs[0].Data), "In-Reply-To: <orig@example.jp>") {
		t.Errorf("contents message:\n%s", msgs[0].Data)
	}
	if a, _ := f.v.Archive(ctx, f.archive); a.Delivery != vault.ArchiveDelivered || a.OpenedBy != vault.OpenedByPage {
		t.Errorf("after delivery: %+v", a)
	}
}

// startPPAPRelay runs the relay with PPAP on a fresh vault, delivering to
// next, and its deliverer.
func startPPAPRelay(t *testing.T, next *smtptest.Server) (addr string, v *vault.Vault) {
	t.Helper()
	cfg, err := config.Parse("test.yaml", []byte(relayConfig(next.Addr, "")))
	if err != nil {
		t.Fatal(err)
	}
	opts := withTestVault(t, cfg, testOptions(t))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if opts.PPAP, err = NewPPAP(ctx, cfg, opts.Vault, opts.Worker, nil, opts.Logger); err != nil {
		t.Fatal(err)
	}
	go opts.PPAP.Run(ctx)
	gw, err := Build(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	return serveGateway(t, gw), opts.Vault
}

// zipMail is a mail from a@example.jp with zip attached as memo.zip.
func zipMail(subject, text string, zip []byte) string {
	return "From: a@example.jp\r\nTo: soumu@city.example.lg.jp\r\nSubject: " + subject + "\r\nMessage-ID: <" + subject + "@example.jp>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n" +
		"--b\r\nContent-Type: application/zip; name=memo.zip\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString(zip) + "\r\n--b--\r\n"
}

// TestPPAPUndeliveredGivesUp: a zip's message the next hop refuses (the
// sender will retry) gives up the zip it held, so that no later mail opens
// what the recipient was never told of; the retry holds it anew, and a
// password in the zip's own mail opens it.
func TestPPAPUndeliveredGivesUp(t *testing.T) {
	next := smtptest.NewServer(t, nil)
	addr, v := startPPAPRelay(t, next)
	ctx := context.Background()
	zip := archivetest.EncryptedZip("own-Pw-42", archivetest.Encryption{}, archivetest.File{Name: "a.txt", Body: []byte("own-mail-contents\n")})
	msg := zipMail("self", "パスワード：own-Pw-42", zip)
	next.SetBehavior(smtptest.Behavior{DataReply: &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "later"}})
	if err := netsmtp.SendMail(addr, nil, "a@example.jp", []string{"soumu@city.example.lg.jp"}, []byte(msg)); err == nil {
		t.Fatal("the refused message was acknowledged")
	}
	page, err := v.Search(ctx, vault.Query{})
	if err != nil || len(page.Entries) != 1 {
		t.Fatal(page, err)
	}
	entry := page.Entries[0].ID
	as, err := v.Archives(ctx, entry)
	if err != nil || len(as) != 1 || as[0].State != vault.ArchiveExpired {
		t.Fatalf("after a refusal: %+v %v", as, err)
	}
	next.SetBehavior(smtptest.Behavior{})
	if err := netsmtp.SendMail(addr, nil, "a@example.jp", []string{"soumu@city.example.lg.jp"}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	msgs := next.WaitMessages(2, 30*time.Second)
	if len(msgs) != 2 || !strings.Contains(string(msgs[1].Data), "own-mail-contents") || !strings.Contains(string(msgs[1].Data), "Re: self") {
		t.Fatalf("the next hop got %d messages", len(msgs))
	}
	as, _ = v.Archives(ctx, entry)
	if len(as) != 2 || as[1].State != vault.ArchiveOpened && as[0].State != vault.ArchiveOpened {
		t.Errorf("after the retry: %+v", as)
	}
}

func TestMayHoldZip(t *testing.T) {
	pad := strings.Repeat("x", 16<<10-3)
	for in, want := range map[string]bool{
		"Subject: a\r\n\r\nplain text\r\n":                 false,
		"Content-Transfer-Encoding: base64\r\n\r\nUEsDBBQ": true,
		"binary PK\x03\x04 here":                           true,
		pad + "\nUEsDB":                                    true, // across two reads
		pad + "PK\x03\x04":                                 true,
		"UEsDB at the very start, no line before":          false,
		"text about PK and UEsD":                           false,
	} {
		if got := mayHoldZip(strings.NewReader(in)); got != want {
			t.Errorf("mayHoldZip(%.40q…) = %v, want %v", in, got, want)
		}
	}
}

// TestPPAPKey: the key is made at first start (its directory too), read
// back at the next, and an instance sharing the vault with another key,
// or without one once one was made, refuses to start.
func TestPPAPKey(t *testing.T) {
	cfg, err := config.Parse("test.yaml", []byte(relayConfig("127.0.0.1:1", "")))
	if err != nil {
		t.Fatal(err)
	}
	opts := withTestVault(t, cfg, testOptions(t))
	ctx, dir := context.Background(), t.TempDir()
	first := dir + "/new/ppap.key"
	a, err := loadPPAPKey(ctx, opts.Vault, first, opts.Logger)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := loadPPAPKey(ctx, opts.Vault, first, opts.Logger); err != nil || b.String() != a.String() {
		t.Fatalf("read back: %v", err)
	}
	if _, err := loadPPAPKey(ctx, opts.Vault, dir+"/other/ppap.key", opts.Logger); err == nil || !strings.Contains(err.Error(), "is missing") {
		t.Errorf("a missing key once one was made: %v", err)
	}
	other, _ := vault.GenerateKey()
	if err := vault.WriteIdentityFile(dir+"/other.key", other, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := loadPPAPKey(ctx, opts.Vault, dir+"/other.key", opts.Logger); err == nil || !strings.Contains(err.Error(), "differs") {
		t.Errorf("another key: %v", err)
	}
}
