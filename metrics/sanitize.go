package metrics

import (
	"errors"
	"strings"

	"github.com/mugai/mugai/sanitize"
)

// ObserveReport records what the sanitizer did to one message. rep and err
// are what Sanitizer.Message returned: rep may be nil when it failed early,
// err is a *sanitize.RejectError when the policy refused the message.
// The filter adapter calls it once per sanitized message; smtpd's
// MessageDone counts the message itself.
func (m *Metrics) ObserveReport(rep *sanitize.Report, err error) {
	var rej *sanitize.RejectError
	switch {
	case errors.As(err, &rej):
		m.sanitized.WithLabelValues("rejected", rejectKind(rej.Kind)).Inc()
	case err != nil:
		// A timeout, an I/O error: the message is deferred (451), not
		// judged.
		m.sanitized.WithLabelValues("failed", "").Inc()
	case rep != nil && rep.Rejected != nil:
		m.sanitized.WithLabelValues("replaced", rejectKind(rep.Rejected.Kind)).Inc()
	default:
		m.sanitized.WithLabelValues("sanitized", "").Inc()
	}
	if rep == nil {
		return
	}
	if rep.HTMLConverted {
		m.actions.WithLabelValues("html-to-text", "html").Inc()
	}
	if rep.LinksChanged > 0 {
		m.actions.WithLabelValues("links-changed", "html").Add(float64(rep.LinksChanged))
	}
	for _, p := range rep.Parts {
		if p.CharsetGuessed {
			m.actions.WithLabelValues("charset-guessed", "text").Inc()
		}
		switch p.Action {
		case sanitize.ActionContainer, sanitize.ActionBody, sanitize.ActionBodyFromHTML, sanitize.ActionSkipped:
			// Structure and body text kept as they are: not a change
			// an operator counts (html-to-text covers HTML bodies).
			continue
		case sanitize.ActionPayloadRemoved:
			// DeclaredType holds the payload's encoding here
			// (uuencode, binhex, ...), which says more than its type.
			m.actions.WithLabelValues(string(p.Action), payloadKind(p.DeclaredType)).Inc()
			continue
		}
		// The Action words come from the sanitizer's code, a bounded
		// set; a new one (a converter's) is counted without a change
		// here.
		t := p.SniffedType
		if t == "" || t == "application/octet-stream" {
			t = p.DeclaredType
		}
		m.actions.WithLabelValues(string(p.Action), TypeClass(t)).Inc()
	}
}

// rejectKind bounds a rejection kind to the documented ones.
func rejectKind(k string) string {
	switch k {
	case "ambiguous", "limit", "malformed", "policy":
		return k
	}
	return "other"
}

// payloadKind bounds a payload encoding to sanitize/payload's kinds.
func payloadKind(k string) string {
	switch k {
	case "uuencode", "binhex", "yenc", "base64", "eicar", "hex", "base32", "ascii85", "too-many":
		return k
	}
	return "other"
}

// TypeClass folds a media type into one of a few classes for a metric
// label: pdf, office, archive, executable, script, html, text, image,
// media, message, crypto, other, or unknown for "". A declared type is
// whatever the sender wrote, so it must never be a label value as is.
func TypeClass(mediaType string) string {
	t := strings.ToLower(strings.TrimSpace(mediaType))
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = strings.TrimSpace(t[:i])
	}
	switch t {
	case "":
		return "unknown"
	case "application/pdf", "application/x-pdf":
		return "pdf"
	case "application/msword", "application/rtf", "text/rtf", "application/vnd.visio":
		return "office"
	case "application/zip", "application/x-zip-compressed", "application/x-rar-compressed",
		"application/vnd.rar", "application/x-rar", "application/x-7z-compressed", "application/gzip",
		"application/x-gzip", "application/x-tar", "application/x-bzip2", "application/x-xz",
		"application/zstd", "application/x-lzh-compressed", "application/x-lzh", "application/x-lha",
		"application/java-archive", "application/vnd.ms-cab-compressed", "application/x-cab",
		"application/x-iso9660-image", "application/x-compress", "application/x-archive",
		"application/x-cpio", "application/x-apple-diskimage", "application/x-ace-compressed":
		return "archive"
	case "application/x-msdownload", "application/vnd.microsoft.portable-executable",
		"application/x-dosexec", "application/x-executable", "application/x-elf",
		"application/x-mach-binary", "application/x-msi", "application/x-ms-installer",
		"application/x-sharedlib", "application/x-object", "application/vnd.android.package-archive",
		"application/x-ms-shortcut", "application/x-ms-application", "application/x-java-applet",
		"application/java-vm", "application/x-dex", "application/wasm":
		return "executable"
	case "application/javascript", "application/x-javascript", "text/javascript", "application/ecmascript",
		"application/x-sh", "text/x-shellscript", "application/x-bat", "application/x-msdos-program",
		"application/hta", "application/x-powershell", "text/vbscript", "application/x-vbscript",
		"text/x-python", "application/x-python", "text/x-perl", "application/x-perl", "text/x-php",
		"application/x-php", "text/x-lua", "text/x-tcl", "text/x-ruby", "application/x-httpd-php":
		return "script"
	case "text/html", "application/xhtml+xml":
		return "html"
	case "application/pkcs7-mime", "application/pkcs7-signature", "application/x-pkcs7-mime",
		"application/x-pkcs7-signature", "application/pgp-encrypted", "application/pgp-signature",
		"application/pgp-keys", "application/pkcs10", "application/x-pem-file":
		return "crypto"
	}
	switch {
	case strings.Contains(t, "openxmlformats-officedocument"), strings.HasPrefix(t, "application/vnd.ms-"),
		strings.HasPrefix(t, "application/vnd.oasis.opendocument."):
		return "office"
	case strings.HasPrefix(t, "image/"):
		return "image"
	case strings.HasPrefix(t, "audio/"), strings.HasPrefix(t, "video/"):
		return "media"
	case strings.HasPrefix(t, "text/"):
		return "text"
	case strings.HasPrefix(t, "message/"), strings.HasPrefix(t, "multipart/"):
		return "message"
	}
	return "other"
}
