package ppap_test

import (
	"context"
	"fmt"
	"time"

	"github.com/mugai/mugai/internal/testinput/archivetest"
	"github.com/mugai/mugai/ppap"
	"github.com/mugai/mugai/sanitize/archive"
	"github.com/mugai/mugai/sanitize/flatten"
)

// The relay's opener, end to end but for the vault and the delivery: an
// archive held from a first mail, the password mail three minutes later,
// the pairing, the tries, and the plain zip flattened as any attachment.
func Example() {
	p := ppap.DefaultPolicy()
	// The first mail's attachment, as Windows tools on Japanese Windows
	// write it: a Shift_JIS member name, traditional encryption.
	zipped := archivetest.EncryptedZip("Abc123!", archivetest.Encryption{},
		archivetest.File{Name: "\x8c\xa9\x90\xcf\x8f\x91.txt", Body: []byte("見積金額: 1,234,567円\n")})
	// The archive limits are the sanitizer's (limits.archive_*), so that
	// Decrypt checks what flatten will read the same way.
	a, err := archive.OpenEncrypted(zipped, archive.Limits{Entries: 1000, TotalBytes: 100 << 20, Ratio: 100})
	if err != nil {
		fmt.Println("not held:", err)
		return
	}
	t0 := time.Date(2024, 4, 1, 9, 30, 0, 0, time.UTC)
	first := ppap.Mail{EnvelopeSender: "yamada@example.co.jp", HeaderFrom: "yamada@example.co.jp", Recipient: "soumu@city.example.lg.jp", Received: t0}

	second := first
	second.Received = t0.Add(3 * time.Minute)
	text := "山田です。\n先ほどお送りしたファイルのパスワードをお知らせします。\n\nパスワード：Abc123!\n"
	if !p.Pairs(first, second) {
		return
	}
	res, err := p.Try(context.Background(), []ppap.Held{{ID: "vault-entry-1/見積書.zip", Archive: a}}, p.Candidates(text))
	if err != nil {
		return
	}
	fmt.Println("tries:", res.Tries)
	for _, o := range res.Opened {
		// In the relay this runs in the sandbox (sandbox.Converter).
		r, err := flatten.Convert(context.Background(), flatten.Input{Name: "見積書.zip"}, o.Decrypted.Zip, flatten.Options{})
		if err != nil {
			return
		}
		fmt.Println("opened:", o.ID, r.Action)
		for _, e := range r.Entries {
			fmt.Printf("%s: %s", e.Path, e.Result.Text)
		}
	}
	// Output:
	// tries: 1
	// opened: vault-entry-1/見積書.zip container
	// 見積書.txt: 見積金額: 1,234,567円
}
