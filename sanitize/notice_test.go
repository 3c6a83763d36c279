package sanitize

import (
	"fmt"
	"strings"
	"testing"
)

// TestNoticeBounded: however many files a message changes, the notice
// stays near maxNoticeBytes and says how many it does not list.
func TestNoticeBounded(t *testing.T) {
	var items []noticeItem
	for i := range 10000 {
		items = append(items, noticeItem{kind: itemPayload, name: fmt.Sprintf("f%d.bin", i), size: 1,
			typ: "application/octet-stream", payload: "yenc", sha: strings.Repeat("0", 64)})
	}
	items = append(items, noticeItem{kind: itemTextURLs, links: 3})
	for _, lang := range []Language{Japanese, English} {
		n := renderNotice(lang, LinksDefang, items)
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
	if n := renderNotice(Japanese, LinksDefang, items[:100]); strings.Contains(n, "省略") {
		t.Error("a notice of 100 files is summarised")
	}
}
