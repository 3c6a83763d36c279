package ppap

import (
	"bytes"
	"io"
	"strings"

	"github.com/emersion/go-message"
)

// SanitizedText is the text password candidates are read from in a
// message mugai rebuilt: its inline text/plain parts (at most limit bytes
// of each), without mugai's notice, whether at the top or the bottom
// (sanitize.notice_position) — the notice's words are never a password.
func SanitizedText(msg []byte, limit int) string {
	e, err := message.Read(bytes.NewReader(msg))
	if e == nil {
		return ""
	}
	_ = err
	var b strings.Builder
	e.Walk(func(_ []int, part *message.Entity, err error) error {
		if err != nil {
			return nil
		}
		ct, _, _ := part.Header.ContentType()
		disp, _, _ := part.Header.ContentDisposition()
		if ct == "text/plain" && disp != "attachment" {
			body, _ := io.ReadAll(io.LimitReader(part.Body, int64(limit)))
			b.Write(body)
			b.WriteByte('\n')
		}
		return nil
	})
	return withoutNotice(strings.ReplaceAll(b.String(), "\r\n", "\n"))
}

// withoutNotice cuts mugai's notice from a sanitized body, at its top or
// its bottom (sanitize.notice_position): its words are never a password.
func withoutNotice(text string) string {
	const sep = "------------------------------------------------------------\n"
	isNotice := func(s string) bool {
		return strings.HasPrefix(s, "【無害化のお知らせ】") || strings.HasPrefix(s, "[Sanitization notice]")
	}
	if isNotice(text) {
		if i := strings.Index(text, "\n"+sep); i >= 0 {
			return text[i+1+len(sep):]
		}
		return ""
	}
	if i := strings.LastIndex(text, "\n"+sep); i >= 0 && isNotice(text[i+1+len(sep):]) {
		return text[:i]
	}
	return text
}
