package ppap

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mugai/mugai/internal/testinput/archivetest"
	"github.com/mugai/mugai/sanitize/archive"
)

func hold(t *testing.T, id string, data []byte) Held {
	t.Helper()
	a, err := archive.OpenEncrypted(data, archive.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return Held{ID: id, Archive: a}
}

func TestTry(t *testing.T) {
	body := archivetest.File{Name: "見積書.txt", Body: []byte("見積金額 1,234,567円")}
	sevenZip, err := os.ReadFile(filepath.Join("..", "sanitize", "archive", "testdata", "encrypted", "7z-aes256.zip"))
	if err != nil {
		t.Fatal(err)
	}
	hs := []Held{
		hold(t, "aes", archivetest.EncryptedZip("Abc123!", archivetest.Encryption{AES: 3}, body)),
		hold(t, "zipcrypto", archivetest.EncryptedZip("Abc123!", archivetest.Encryption{}, body)),
		hold(t, "other", archivetest.EncryptedZip("Xyz789?", archivetest.Encryption{AES: 1}, body)),
		hold(t, "7-zip", sevenZip),
	}
	cands := Candidates("パスワード：Wrong-1\nPW: Abc123!\n暗証番号：Xyz789?", 0)
	if !slices.Equal(cands, []string{"Wrong-1", "Abc123!", "Xyz789?"}) {
		t.Fatalf("candidates %q", cands)
	}
	res, err := Try(context.Background(), hs, cands, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range res.Opened {
		got = append(got, o.ID+"="+cands[o.Candidate])
		gs := 0
		if err := archive.Walk(context.Background(), o.Decrypted.Zip, archive.KindZip, archive.Limits{}, func(e archive.Entry, b []byte) error {
			if e.Encrypted {
				t.Errorf("%s: %s still encrypted", o.ID, e.Path)
			}
			gs++
			return nil
		}); err != nil || gs == 0 {
			t.Errorf("%s: walk: %v, %d entries", o.ID, err, gs)
		}
	}
	want := []string{"aes=Abc123!", "zipcrypto=Abc123!", "7-zip=Abc123!", "other=Xyz789?"}
	// 4 archives × "Wrong-1", 4 × "Abc123!", then "Xyz789?" for the one left.
	if !slices.Equal(got, want) || res.Tries != 9 || res.Exhausted || len(res.Damaged) != 0 {
		t.Errorf("opened %q in %d tries (exhausted %v, damaged %q); want %q in 9", got, res.Tries, res.Exhausted, res.Damaged, want)
	}

	// The budget stops the tries, and says so.
	res, err = Try(context.Background(), hs, cands, 5)
	if err != nil || res.Tries != 5 || !res.Exhausted || len(res.Opened) != 1 {
		t.Errorf("budget 5: %+v, %v", res, err)
	}
	// No candidate, no try.
	if res, err := Try(context.Background(), hs, nil, 0); err != nil || res.Tries != 0 || len(res.Opened) != 0 {
		t.Errorf("no candidates: %+v, %v", res, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Try(ctx, hs, cands, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestTryDamaged: a candidate that passes the quick check of a damaged
// archive is reported, not taken as opened.
func TestTryDamaged(t *testing.T) {
	r, data := archivetest.EncryptedMember("Abc123!", archivetest.Encryption{AES: 3}, "a.txt", []byte("secret text"))
	data[len(data)-1] ^= 1 // the authentication code
	var z archivetest.RawZip
	z.Add(r, data)
	res, err := Try(context.Background(), []Held{hold(t, "broken", z.Bytes())}, []string{"Abc123!"}, 0)
	if err != nil || len(res.Opened) != 0 || !slices.Equal(res.Damaged, []string{"broken"}) {
		t.Errorf("%+v, %v", res, err)
	}
}
