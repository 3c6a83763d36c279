package htmltext_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/mugai/mugai/sanitize/htmltext"
)

func ExampleConvert() {
	const mail = `<html><head><style>p{color:#333}</style></head><body>
<div style="display:none">Preview text no reader sees</div>
<p>Dear resident,<br>the <b>waste collection</b> calendar has changed.</p>
<table><tr><th>Area</th><th>Day</th></tr><tr><td>North</td><td>Tuesday</td></tr></table>
<p><a href="https://city.example.jp/waste">Details</a> &middot; <a href="javascript:steal()">Log in</a></p>
</body></html>`
	r, err := htmltext.Convert(context.Background(), strings.NewReader(mail), htmltext.Options{Links: htmltext.LinksDefang})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Text)
	fmt.Printf("links %d, changed %d, unsafe %d, hidden %d\n", r.Links, r.LinksChanged, r.UnsafeLinks, r.Hidden)
	// Output:
	// Dear resident,
	// the waste collection calendar has changed.
	//
	// Area | Day
	// North | Tuesday
	//
	// Details <hxxps://city[.]example[.]jp/waste> · Log in
	// links 2, changed 2, unsafe 1, hidden 1
}

func ExampleMetaCharset() {
	head := []byte(`<html><head><meta http-equiv="Content-Type" content="text/html; charset=ISO-2022-JP">`)
	fmt.Println(htmltext.MetaCharset(head))
	// Output: iso-2022-jp
}
