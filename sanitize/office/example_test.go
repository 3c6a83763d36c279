package office_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/mugai/mugai/sanitize/office"
)

func ExampleExtract() {
	// An RTF attachment: Japanese as \uN with a Shift_JIS fallback, an
	// embedded OLE object and a DDE field.
	rtf := []byte(`{\rtf1\ansi\ansicpg932\uc2 \u12362\'82\'a8\u19990\'90\'a2\u35441\'98\'62\u12395\'82\'c9\u12394\'82\'c8\u12387\'82\'c1\u12390\'82\'c4\u12362\'82\'a8\u12426\'82\'e8\u12414\'82\'dc\u12377\'82\'b7\u12290\'81\'42\par ` +
		`{\object\objemb{\*\objclass Package}{\*\objdata 0105000002000000}}` +
		`{\field{\*\fldinst DDEAUTO c:\\windows\\system32\\cmd.exe "/c calc"}{\fldrslt 1}}\par}`)

	kind := office.Detect(rtf)
	res, err := office.Extract(context.Background(), rtf, kind, office.Limits{})
	if err != nil {
		fmt.Println("refused:", err)
		return
	}
	fmt.Print(res.Text)
	fmt.Println(kind, res.Removed)
	// Output:
	// お世話になっております。
	// 1
	// rtf [DDE field OLE object]
}

func ExampleExtract_encrypted() {
	// Detect returns "" for anything that is not a convertible document;
	// Extract with kind "" says why, so a notice can tell a password-
	// protected file from an unsupported one.
	data := []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 (a legacy .doc, cut short)")
	_, err := office.Extract(context.Background(), data, "", office.Limits{})
	switch {
	case errors.Is(err, office.ErrEncrypted):
		fmt.Println("password protected")
	case errors.Is(err, office.ErrUnsupported):
		fmt.Println("not convertible")
	case err != nil:
		fmt.Println("corrupt")
	}
	// Output:
	// corrupt
}
