package sanitize

import (
	"fmt"
	"strings"
	"testing"
)

// TestNoticeBounded: however many files a message changes, the notice
// stays near maxNoticeBytes and says how many it does not list.
func TestNoticeBounded(t *testing.T) {
	rep := newReport()
	rep.Parts = append(rep.Parts, PartReport{Action: ActionBody, URLsChanged: 3})
	for i := range 10000 {
		rep.Parts = append(rep.Parts, PartReport{Action: ActionPayloadRemoved, Filename: fmt.Sprintf("f%d.bin", i), Size: 1,
			SniffedType: "application/octet-stream", Encoding: "yenc", SHA256: strings.Repeat("0", 64)})
	}
	items := noticeItems(rep)
	for _, lang := range []Language{Japanese, English} {
		pol := DefaultPolicy()
		pol.Language, pol.Links = lang, LinksDefang
		n := renderNotice(&pol, nil, items)
		if len(n) > maxNoticeBytes+1024 {
			t.Errorf("%s: notice of %d bytes", lang, len(n))
		}
		listed := strings.Count(n, "SHA-256:")
		want := fmt.Sprint(10000 - listed)
		if !strings.Contains(n, want) || !strings.Contains(n, pickLang(lang, [2]string{"省略", "not listed"})) {
			t.Errorf("%s: no line for the %s files not listed:\n%s", lang, want, n[len(n)-500:])
		}
		if !strings.Contains(n, pickLang(lang, [2]string{"URL 3 件", "non-clickable: 3"})) {
			t.Errorf("%s: the count of links is lost", lang)
		}
	}
	pol := DefaultPolicy()
	if n := renderNotice(&pol, nil, items[:100]); strings.Contains(n, "省略") {
		t.Error("a notice of 100 files is summarised")
	}
}
