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
		{"no urls at all; mailto:a@b and javascript:x()", "no urls at all; mailto:a@b and javascript:x()", 0},
		{"xhttp://example.com is not a word start", "xhttp://example.com is not a word start", 0},
		{"wwwexample", "wwwexample", 0},
		{"http://", "http://", 0},
		{"https://r.example/?url=https://evil.example/x", "hxxps://r[.]example/?url=hxxps://evil[.]example/x", 1},
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
