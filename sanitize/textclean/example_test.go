package textclean_test

import (
	"fmt"

	"github.com/mugai/mugai/sanitize/textclean"
)

func ExampleText() {
	fmt.Printf("%q\n", textclean.Text("cafe\u0301\r\nline two\x00\r\n"))
	// Output: "café\nline two\n"
}

func ExampleLine() {
	fmt.Printf("%q\n", textclean.Line("Invoice\r\nBcc: everyone@example.com"))
	// Output: "Invoice Bcc: everyone@example.com"
}

func ExampleFilename() {
	fmt.Println(textclean.Filename("invoice\u202Etxt.exe"))
	fmt.Println(textclean.Filename("../../etc/passwd"))
	fmt.Println(textclean.Filename("見積書.pdf"))
	// Output:
	// invoicetxt.exe
	// _.._etc_passwd
	// 見積書.pdf
}
