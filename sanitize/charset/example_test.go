package charset_test

import (
	"fmt"

	"github.com/mugai/mugai/sanitize/charset"
)

func ExampleDecode() {
	// ISO-2022-JP as Outlook sends it, with the CP932 characters ① and ㈱.
	body := []byte("\x1b$B-!$*@$OC$K$J$C$F$*$j$^$9!#-j\x1b(B")
	text, res := charset.Decode(body, "ISO-2022-JP")
	fmt.Println(text, res.Charset, res.Guessed)

	// Raw Shift_JIS under a wrong label.
	text, res = charset.Decode([]byte("\x83e\x83X\x83g\x82\xc5\x82\xb7"), "us-ascii")
	fmt.Println(text, res.Charset, res.Guessed)
	// Output:
	// ①お世話になっております。㈱ iso-2022-jp false
	// テストです shift_jis true
}

func ExampleLookup() {
	_, name, ok := charset.Lookup(` "Windows-31J" `)
	fmt.Println(name, ok)
	_, name, ok = charset.Lookup("unknown-8bit")
	fmt.Println(name == "", ok)
	// Output:
	// shift_jis true
	// true false
}
