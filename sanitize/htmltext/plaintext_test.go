package htmltext

import "testing"

func TestDefangText(t *testing.T) {
	tests := []struct {
		in, want string
		n        int
	}{
		{"see https://www.example.jp/a?b=1.", "see hxxps://www[.]example[.]jp/a?b=1.", 1},
		{"http://example.com/path と https://example.org/です", "hxxp://example[.]com/path と hxxps://example[.]org/です", 2},
		{"(ftp://files.example.net/x)", "(fxp://files[.]example[.]net/x)", 1},
		{"www.example.co.jp を見て", "www[.]example[.]co[.]jp を見て", 1},
		{"HTTPS://EXAMPLE.JP", "hxxps://example[.]jp", 1},
		{"already hxxps://example[.]jp/ done", "already hxxps://example[.]jp/ done", 0},
		{"no urls at all; mailto:a@b", "no urls at all; mailto:a@b", 0},
		{"javascript:x() vbscript:y", "javascript[:]x() vbscript[:]y", 2},
		{"xhttp://example.com is an unknown scheme", "xhttp[:]//example[.]com is an unknown scheme", 1},
		{"_https://evil.example/", "_hxxps://evil[.]example/", 1},
		{`https://evil.example\path`, `hxxps://evil[.]example\path`, 1},
		{`https:\\evil.example\x`, `hxxps://evil[.]example\x`, 1},
		{"https://evil,example/", "hxxps://evil,example/", 1},
		{"file://server/share/a.exe", "file[:]//server/share/a.exe", 1},
		{"file:///C:/Windows/x.exe", "file[:]//C:/Windows/x.exe", 1},
		{"file:C:/x.exe", "file[:]C:/x.exe", 1},
		{`\\evil.example\share\a.lnk`, `[\]\evil[.]example\share\a.lnk`, 1},
		{`\\fileserver\share`, `[\]\fileserver\share`, 1},
		{`C:\path\file and \\ alone`, `C:\path\file and \\ alone`, 0},
		{"ftp.evil.example/x", "ftp[.]evil[.]example/x", 1},
		{"ftp.host/x", "ftp[.]host/x", 1},
		{"smb://host.example/s", "smb[:]//host[.]example/s", 1},
		{"ms-msdt:/id PCWDiagnostic", "ms-msdt[:]/id PCWDiagnostic", 1},
		{"search-ms:query=x", "search-ms[:]query=x", 1},
		{"URL:javascript:alert(1)", "URL:javascript[:]alert(1)", 1},
		{"data:text/html,<b>", "data[:]text/html,<b>", 1},
		{"metadata: none, data: 3", "metadata: none, data: 3", 0},
		{"https://аpple.com/", "hxxps://аpple.com/", 1},
		{"ATTACH:file://evil.example/x.exe", "ATTACH:file[:]//evil[.]example/x.exe", 1},
		{"wwwexample", "wwwexample", 0},
		// A www name that is also a scheme (a fuzzer's find: the scan
		// once stood still on it, forever).
		{"www.evil.example://x and www.evil.example/ok", "www[.]evil[.]example[:]//x and www[.]evil[.]example/ok", 2},
		{"see https://www.exaqpltps://\x00=1.", "see hxxps://www[.]exaqpltps[:]//\x00=1.", 2},
		{"http://", "hxxp://", 1},
		{"http:// not an address", "http:// not an address", 0},
		{"https://r.example/?url=https://evil.example/x", "hxxps://r[.]example/?url=hxxps://evil[.]example/x", 2},
		{"hxxps://r[.]example/?url=https://evil.example/x", "hxxps://r[.]example/?url=hxxps://evil[.]example/x", 1},
	}
	for _, tt := range tests {
		got, n := DefangText(tt.in)
		if got != tt.want || n != tt.n {
			t.Errorf("DefangText(%q) = %q, %d; want %q, %d", tt.in, got, n, tt.want, tt.n)
		}
		if again, m := DefangText(got); again != got || m != 0 {
			t.Errorf("not idempotent on %q: %q", got, again)
		}
	}
}

func TestNeutralizeText(t *testing.T) {
	tests := []struct {
		in, want string
		n        int
	}{
		{"see https://www.example.jp/a and www.example.jp", "see https://www.example.jp/a and www.example.jp", 0},
		{"URL:javascript:alert(1)", "URL:javascript[:]alert(1)", 1},
		{"ATTACH:file://evil.example/x.exe", "ATTACH:file[:]//evil[.]example/x.exe", 1},
		{`\\evil.example\share`, `[\]\evil[.]example\share`, 1},
		{"data:image/png;base64,AAAA", "data[:]image/png;base64,AAAA", 1},
		{`https://x\p`, `hxxps://x\p`, 1},
	}
	for _, tt := range tests {
		got, n := NeutralizeText(tt.in)
		if got != tt.want || n != tt.n {
			t.Errorf("NeutralizeText(%q) = %q, %d; want %q, %d", tt.in, got, n, tt.want, tt.n)
		}
		if again, m := NeutralizeText(got); again != got || m != 0 {
			t.Errorf("not idempotent on %q: %q", got, again)
		}
	}
}
