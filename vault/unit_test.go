package vault

import (
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestIndexTerms(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"見積書の送付", []string{"見積", "積書", "書の", "の送", "送付"}},
		{"Re: Invoice #123", []string{"re", "invoice", "123"}},
		{"ＡＢＣ　ｶﾀｶﾅ", []string{"abc", "カタ", "タカ", "カナ"}},
		{"【至急】件", []string{"至急", "件"}},
		{"会議2024年度", []string{"会議", "2024", "年度"}},
		{"ラーメン", []string{"ラー", "ーメ", "メン"}},
		{"", nil},
	} {
		if got := indexTerms(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("indexTerms(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	long := strings.Repeat("あいうえおかきくけこ", 500)
	if n := len(indexTerms(long)); n > maxTerms {
		t.Errorf("%d terms for a long subject", n)
	}
}

func TestSubjectQuery(t *testing.T) {
	terms, pieces := subjectQuery("見積書 INVOICE 件")
	if !reflect.DeepEqual(terms, []string{"見積", "積書", "invoice"}) || !reflect.DeepEqual(pieces, []string{"見積書", "invoice", "件"}) {
		t.Errorf("subjectQuery = %q, %q", terms, pieces)
	}
}

func TestParseID(t *testing.T) {
	id := newID()
	if len(id) != 19 || strings.Count(id, "-") != 3 {
		t.Fatalf("newID = %q", id)
	}
	for _, in := range []string{id, strings.ToLower(id), strings.ReplaceAll(id, "-", ""), " " + id + " "} {
		if got, err := ParseID(in); err != nil || got != id {
			t.Errorf("ParseID(%q) = %q, %v", in, got, err)
		}
	}
	if got, _ := ParseID("oooo-iiii-llll-0000"); got != "0000-1111-1111-0000" {
		t.Errorf("Crockford substitutions: %q", got)
	}
	for _, bad := range []string{"", "ABCD", "ABCD-EFGH-JKMN-PQRSX", "ABCD-EFGH-JKMN-PQRU", "../../etc/passwd"} {
		if _, err := ParseID(bad); err == nil {
			t.Errorf("ParseID(%q) accepted", bad)
		}
	}
}

func TestEnsureKeys(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mugai-vault")
	kf, err := EnsureKeys(dir, time.Now(), slog.New(slog.DiscardHandler))
	if err != nil || !kf.Created {
		t.Fatalf("EnsureKeys: %+v %v", kf, err)
	}
	st, err := os.Stat(kf.Identity)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("identity file mode: %v %v", st.Mode(), err)
	}
	rs, err := LoadRecipients(kf.Recipients)
	if err != nil || len(rs) != 1 {
		t.Fatalf("recipients: %v %v", rs, err)
	}
	ids, err := LoadIdentities(kf.Identity)
	if err != nil || len(ids) != 1 {
		t.Fatalf("identities: %v", err)
	}
	// A second start keeps the keys.
	again, err := EnsureKeys(dir, time.Now(), slog.New(slog.DiscardHandler))
	if err != nil || again.Created {
		t.Fatalf("second EnsureKeys: %+v %v", again, err)
	}
	// An identity others can read is refused.
	os.Chmod(kf.Identity, 0o644)
	if _, err := LoadIdentities(kf.Identity); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("world-readable identity: %v", err)
	}
	// The recipients file is rebuilt from the identity when missing.
	os.Chmod(kf.Identity, 0o600)
	os.Remove(kf.Recipients)
	if kf, err := EnsureKeys(dir, time.Now(), slog.New(slog.DiscardHandler)); err != nil || kf.Created {
		t.Fatalf("EnsureKeys from identity: %+v %v", kf, err)
	}
	if rs2, _ := LoadRecipients(kf.Recipients); recipientNames(rs2) != recipientNames(rs) {
		t.Error("rebuilt recipients differ")
	}
	other, _ := GenerateKey()
	if err := WriteIdentityFile(kf.Identity, other, time.Now()); err == nil {
		t.Error("an identity file was replaced")
	}
}

func TestDirStoreRefusesBadKeys(t *testing.T) {
	s, err := NewDirStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"../x", "2025/01/14/../../../etc/passwd", "2025/01/14/abc"} {
		if _, err := s.Put(t.Context(), key, strings.NewReader("x")); err == nil {
			t.Errorf("Put(%q) accepted", key)
		}
	}
}
