package charset

import (
	"testing"
)

func TestLookupEveryAlias(t *testing.T) {
	for label, want := range aliases {
		enc, name, ok := Lookup(label)
		if !ok || enc == nil || name != want {
			t.Errorf("Lookup(%q) = %v, %q, %v; want %q", label, enc, name, ok, want)
		}
		// A canonical name looks up to itself, so Decode can re-resolve it.
		if _, again, ok := Lookup(name); !ok || again != name {
			t.Errorf("Lookup(%q) = %q, %v; canonical names must be stable", name, again, ok)
		}
	}
}

func TestLookup(t *testing.T) {
	cases := []struct{ label, want string }{
		// spelling
		{"UTF-8", "utf-8"}, {" utf-8 ", "utf-8"}, {`"UTF-8"`, "utf-8"}, {"'utf-8'", "utf-8"},
		{"utf8", "utf-8"}, {"utf_8", "utf-8"}, {"utf-8*ja", "utf-8"}, {"us-ascii*en", "us-ascii"},
		{"ISO_8859-1", "windows-1252"}, {"iso8859-1", "windows-1252"}, {"iso_8859-2*sl", "iso-8859-2"},
		// the ISO-8859 family (WHATWG names: -1 is windows-1252, -9 is windows-1254, -11 is windows-874)
		{"iso-8859-1", "windows-1252"}, {"latin1", "windows-1252"}, {"iso-8859-2", "iso-8859-2"},
		{"iso-8859-3", "iso-8859-3"}, {"iso-8859-4", "iso-8859-4"}, {"iso-8859-5", "iso-8859-5"},
		{"iso-8859-6", "iso-8859-6"}, {"iso-8859-7", "iso-8859-7"}, {"iso-8859-8", "iso-8859-8"},
		{"iso-8859-8-i", "iso-8859-8-i"}, {"iso-8859-9", "windows-1254"}, {"iso-8859-10", "iso-8859-10"},
		{"iso-8859-11", "windows-874"}, {"iso-8859-13", "iso-8859-13"}, {"iso-8859-14", "iso-8859-14"},
		{"iso-8859-15", "iso-8859-15"}, {"iso-8859-16", "iso-8859-16"},
		// Windows code pages
		{"windows-1250", "windows-1250"}, {"windows-1251", "windows-1251"}, {"windows-1252", "windows-1252"},
		{"cp1252", "windows-1252"}, {"windows-1253", "windows-1253"}, {"windows-1254", "windows-1254"},
		{"windows-1255", "windows-1255"}, {"windows-1256", "windows-1256"}, {"windows-1257", "windows-1257"},
		{"windows-1258", "windows-1258"}, {"x-cp1251", "windows-1251"}, {"windows-874", "windows-874"},
		// Cyrillic
		{"KOI8-R", "koi8-r"}, {"koi8-u", "koi8-u"}, {"koi8-ru", "koi8-u"}, {"x-mac-cyrillic", "x-mac-cyrillic"},
		{"ibm866", "ibm866"},
		// CJK
		{"GB2312", "gbk"}, {"gbk", "gbk"}, {"GB18030", "gb18030"}, {"Big5", "big5"}, {"big5-hkscs", "big5"},
		{"EUC-KR", "euc-kr"}, {"ks_c_5601-1987", "euc-kr"}, {"KS_C_5601-1987", "euc-kr"},
		{"ISO-2022-JP", "iso-2022-jp"}, {"Shift_JIS", "shift_jis"}, {"EUC-JP", "euc-jp"},
		// Unicode
		{"UTF-16", "utf-16"}, {"UTF-16LE", "utf-16le"}, {"UTF-16BE", "utf-16be"}, {"UTF-7", "utf-7"},
		{"unicode-1-1-utf-7", "utf-7"}, {"UTF-32", "utf-32"},
		// the long tail from ianaindex
		{"IBM437", "ibm437"}, {"cp850", "ibm850"}, {"macintosh", "macintosh"},
	}
	for _, c := range cases {
		enc, name, ok := Lookup(c.label)
		if !ok || enc == nil || name != c.want {
			t.Errorf("Lookup(%q) = %v, %q, %v; want %q", c.label, enc, name, ok, c.want)
		}
	}
}

func TestLookupUnknown(t *testing.T) {
	for _, label := range []string{"", "  ", `""`, "unknown-8bit", "X-UNKNOWN", "unknown", "8bit", "7bit",
		"default", "none", "binary", "x-user-defined", "us-askey", "fakescii", "fakescii-7", "invalid-charset",
		"iso-2022-kr", "hz-gb-2312", "iso-2022-cn", "utf-9", "*ja"} {
		if enc, name, ok := Lookup(label); ok || enc != nil || name != "" {
			t.Errorf("Lookup(%q) = %v, %q, %v; want unknown", label, enc, name, ok)
		}
	}
}

// TestLookupDecoders checks that the encodings Lookup returns decode, for
// the ones this package replaces or builds.
func TestLookupDecoders(t *testing.T) {
	cases := []struct{ label, in, want string }{
		{"iso-2022-jp", jis + "-!" + asc, "①"},
		{"utf-7", "+ZeVnLIqe-", "日本語"},
		{"utf-16", "\xff\xfeA\x00", "A"},
		{"utf-16le", "A\x00", "A"},
		{"utf-16be", "\x00A", "A"},
		{"us-ascii", "caf\xe9", "café"}, // windows-1252 for stray 8-bit bytes
		{"cp932", "\x87@", "①"},
		{"utf-32be", "\x00\x00\x00A", "A"},
	}
	for _, c := range cases {
		enc, _, ok := Lookup(c.label)
		if !ok {
			t.Fatalf("Lookup(%q) unknown", c.label)
		}
		got, err := enc.NewDecoder().String(c.in)
		if err != nil || got != c.want {
			t.Errorf("Lookup(%q) decodes %q to %q, %v; want %q", c.label, c.in, got, err, c.want)
		}
	}
	enc, _, _ := Lookup("utf-7")
	if _, err := enc.NewEncoder().String("x"); err == nil {
		t.Error("UTF-7 encoder should refuse")
	}
}
