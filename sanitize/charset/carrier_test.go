package charset

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mugai/mugai/internal/testcorpus"
)

// TestCarrierEmoji: carrier emoji in Shift_JIS and ISO-2022-JP become the
// Unicode emoji of EmojiSources.txt (or 〓), with or without a carrier.
// (EmojiSources.txt: "2764;F991;F7B2;F962", "1F3A4;F8D7;F6DC;F97C",
// "1F342;;F340;F759", "0031 20E3;F987;F6FB;F7BC", "1F37B;;F36B;F9AC".)
func TestCarrierEmoji(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		label   string
		carrier Carrier
		want    string
		subst   int
	}{
		{"docomo sun", "\x96\x7b\xf8\x9f", "shift_jis", CarrierUnknown, "本☀", 0},
		{"docomo F991 with the carrier", "\xf9\x91", "shift_jis", CarrierDocomo, "\u2764", 0},
		{"F991 is docomo's or SoftBank's: without the carrier 〓", "\xf9\x91", "shift_jis", CarrierUnknown, Geta, 1},
		{"SoftBank F97C", "\xf9\x7c", "shift_jis", CarrierSoftBank, "\U0001f3a4", 0},
		{"au F340 (unique to au)", "\xf3\x40", "shift_jis", CarrierUnknown, "\U0001f342", 0},
		{"user-defined, not an emoji", "\xf0\x40", "shift_jis", CarrierUnknown, Geta, 1},
		{"IBM extension kanji stays", "\xfb\xfc", "shift_jis", CarrierUnknown, "髙", 0},
		{"au ISO-2022-JP row 0x76", "\x1b$Bv}\x1b(B", "iso-2022-jp", CarrierUnknown, "1\u20e3", 0},
		{"au ISO-2022-JP row 0x79 with the carrier", "\x1b$ByL\x1b(B", "iso-2022-jp", CarrierAU, "\U0001f37b", 0},
		{"row 0x79 without it is an IBM extension kanji", "\x1b$B\x79\x4c\x1b(B", "iso-2022-jp", CarrierUnknown, "\u52db", 0},
		{"au row 0x75 code with no emoji", "\x1b$Bu!\x1b(B", "iso-2022-jp", CarrierUnknown, "", -1},
	} {
		got, res := DecodeCarrier([]byte(tc.in), tc.label, tc.carrier)
		if tc.subst < 0 {
			if strings.ContainsRune(got, '\uFFFD') || res.Replaced != 0 {
				t.Errorf("%s: %q %+v", tc.name, got, res)
			}
			continue
		}
		if got != tc.want || res.Substituted != tc.subst || res.Replaced != 0 {
			t.Errorf("%s: got %q (%+q) %+v, want %q", tc.name, got, got, res, tc.want)
		}
	}
}

func TestCarrierForAddress(t *testing.T) {
	for addr, want := range map[string]Carrier{
		"a@docomo.ne.jp": CarrierDocomo, "a@ezweb.ne.jp": CarrierAU, "a@au.com": CarrierAU,
		"a@softbank.ne.jp": CarrierSoftBank, "a@t.vodafone.ne.jp": CarrierSoftBank, "a@i.softbank.jp": CarrierSoftBank,
		"a@example.jp": CarrierUnknown, "a@notdocomo.ne.jp": CarrierUnknown, "nobody": CarrierUnknown,
	} {
		if got := CarrierForAddress(addr); got != want {
			t.Errorf("CarrierForAddress(%q) = %q, want %q", addr, got, want)
		}
	}
}

// TestCarrierTables: the generated tables are sorted and hold what
// EmojiSources.txt has (docomo 244, KDDI 633, SoftBank 469 codes).
func TestCarrierTables(t *testing.T) {
	for name, tab := range map[string]carrierTable{"docomo": docomoEmoji, "kddi": kddiEmoji, "softbank": softbankEmoji} {
		for i := 1; i < len(tab); i++ {
			if tab[i-1].code >= tab[i].code {
				t.Errorf("%s: not sorted at %d", name, i)
			}
		}
	}
	if len(docomoEmoji) != 244 || len(kddiEmoji) != 633 || len(softbankEmoji) != 469 {
		t.Errorf("table sizes %d %d %d", len(docomoEmoji), len(kddiEmoji), len(softbankEmoji))
	}
}

// TestCarrierCorpus: the jpmobile fixtures of the shared corpus decode
// without U+FFFD when the carrier is known from the sender.
func TestCarrierCorpus(t *testing.T) {
	dir := testcorpus.Require(t, "jpmobile", "email-fixtures")
	for _, tc := range []struct {
		file, label string
		carrier     Carrier
		want        string
	}{
		{"au-emoji.eml", "iso-2022-jp", CarrierAU, "本文1\u20e3"},
		{"au-emoji5.eml", "iso-2022-jp", CarrierAU, "テスト本文\U0001f37b"},
		{"docomo-emoji.eml", "shift_jis", CarrierDocomo, "本文1\u20e3"},
		{"softbank-emoji.eml", "shift_jis", CarrierSoftBank, "本文1\u20e3"},
	} {
		raw, err := os.ReadFile(filepath.Join(dir, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		body := raw[strings.Index(string(raw), "\n\n")+2:]
		got, res := DecodeCarrier(body, tc.label, tc.carrier)
		if !strings.HasPrefix(got, tc.want) || res.Replaced != 0 {
			t.Errorf("%s: %q %+v, want it to start with %q", tc.file, got, res, tc.want)
		}
	}
}
