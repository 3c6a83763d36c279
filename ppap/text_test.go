package ppap

import "testing"

func TestWithoutNotice(t *testing.T) {
	const sep = "------------------------------------------------------------\n"
	for _, c := range []struct{ in, want string }{
		{"パスワード：abc123\n", "パスワード：abc123\n"},
		{"【無害化のお知らせ】このメール…\n・パスワード付き ZIP\n" + sep + "\nPW: abc123\n", "\nPW: abc123\n"},
		{"PW: abc123\n\n" + sep + "【無害化のお知らせ】このメール…\n・パスワード\n", "PW: abc123\n"},
		{"[Sanitization notice] only\n- the notice\n", ""},
		{"body\n" + sep + "not a notice\n", "body\n" + sep + "not a notice\n"},
	} {
		if got := withoutNotice(c.in); got != c.want {
			t.Errorf("withoutNotice(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
