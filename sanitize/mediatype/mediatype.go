// Package mediatype is mugai's one table of content kinds: for each media
// type, the converter kind that handles it (package flatten's Kind), its
// name for people in Japanese and English (the notice), the class a
// metric counts it under, and whether a decoded copy of it is text a
// person reads (package payload).
//
// Every other package asks this table instead of keeping a list of its
// own, so that a type is named, counted and converted alike everywhere.
// The table is data: exact media types first, then a few ordered
// patterns for the families senders spell in many ways (an archive type
// ends in "-compressed", an executable names "executable" or "msdownload").
// Patterns match whole words of the type (split at "/", ".", "-" and "+"),
// or long unambiguous fragments ("wordprocessingml"), never a short
// substring: "application/vnd.stardivision.writer" holds "tar" but is not
// an archive.
//
// The package has no dependencies beyond the standard library, so the
// converters, the payload scanner, the sanitizer and the metrics can all
// read it.
package mediatype

import "strings"

// Class is the coarse class of a media type, a bounded label value for
// metrics: a declared type is whatever the sender wrote, so it must never
// be a label value as is.
type Class string

// Classes.
const (
	ClassPDF        Class = "pdf"
	ClassOffice     Class = "office"
	ClassArchive    Class = "archive"
	ClassExecutable Class = "executable"
	ClassScript     Class = "script"
	ClassHTML       Class = "html"
	ClassText       Class = "text"
	ClassImage      Class = "image"
	ClassMedia      Class = "media"
	ClassMessage    Class = "message"
	ClassCrypto     Class = "crypto"
	ClassOther      Class = "other"
	ClassUnknown    Class = "unknown" // no type at all
)

// Label is a media type's name for people.
type Label struct {
	Ja, En string
	// Subtype adds the subtype, upper case and without "x-", in
	// parentheses: "画像 (PNG)", "archive (7Z-COMPRESSED)".
	Subtype bool
}

// Info is what the table knows of one media type.
type Info struct {
	// Kind is the converter kind (a flatten.Kind value) for content of
	// this type, "" when no converter takes it by its type.
	Kind string
	// Class is the metric class.
	Class Class
	// Label names the type for people; zero when it has no name of its
	// own, and the type is then shown as it is written.
	Label Label
	// Readable marks text formats a person reads (plain text, CSV, JSON,
	// calendars, contacts, subtitles, a mail message): a base64 copy of
	// one pasted in a mail is text, not a file in disguise.
	Readable bool
}

// Lookup returns what the table knows of media type t (any case, with or
// without parameters). An unknown type is ClassOther with no label; ""
// is ClassUnknown.
func Lookup(t string) Info {
	t = normalize(t)
	if info, ok := exact[t]; ok {
		return info
	}
	for _, p := range patterns {
		if p.matches(t) {
			return p.info
		}
	}
	return Info{Class: ClassOther}
}

// ClassOf is Lookup(t).Class.
func ClassOf(t string) Class {
	return Lookup(t).Class
}

// Name names media type t for people, in English or Japanese: its label,
// or t itself when the table has none.
func Name(t string, english bool) string {
	l := Lookup(t).Label
	if l.Ja == "" {
		return t
	}
	name := l.Ja
	if english {
		name = l.En
	}
	if !l.Subtype {
		return name
	}
	sub := normalize(t)
	if i := strings.IndexByte(sub, '/'); i >= 0 {
		sub = sub[i+1:]
	}
	return name + " (" + strings.ToUpper(strings.TrimPrefix(sub, "x-")) + ")"
}

// KindType is the usual media type of converter kind k: the first type
// of the first row of the table that names k, or
// "application/octet-stream" when none does (an image format that is not
// re-encoded, a script, an unknown file).
func KindType(k string) string {
	for _, r := range rows {
		if r.info.Kind == k && k != "" {
			return r.types[0]
		}
	}
	return "application/octet-stream"
}

// Kinds lists the converter kinds the table names, each once.
func Kinds() []string {
	var out []string
	seen := map[string]bool{"": true}
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, r := range rows {
		add(r.info.Kind)
	}
	for _, p := range patterns {
		add(p.info.Kind)
	}
	return out
}

func normalize(t string) string {
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = t[:i]
	}
	return strings.ToLower(strings.TrimSpace(t))
}

// pattern matches a family of types the table does not list one by one.
type pattern struct {
	prefixes  []string // the type starts with one
	fragments []string // the type holds one (long, unambiguous strings only)
	words     []string // one is a whole word of the type
	info      Info
}

func (p *pattern) matches(t string) bool {
	for _, s := range p.prefixes {
		if strings.HasPrefix(t, s) {
			return true
		}
	}
	for _, s := range p.fragments {
		if strings.Contains(t, s) {
			return true
		}
	}
	for _, w := range p.words {
		if hasWord(t, w) {
			return true
		}
	}
	return false
}

// hasWord reports whether w is one of the words of t, which "/", ".",
// "-" and "+" separate.
func hasWord(t, w string) bool {
	for start := 0; start < len(t); {
		end := strings.IndexAny(t[start:], "/.-+")
		if end < 0 {
			end = len(t)
		} else {
			end += start
		}
		if t[start:end] == w {
			return true
		}
		start = end + 1
	}
	return false
}

// exact indexes rows by lower-case type; the first row naming a type wins.
var exact = func() map[string]Info {
	m := map[string]Info{}
	for _, r := range rows {
		for _, t := range r.types {
			if _, dup := m[strings.ToLower(t)]; !dup {
				m[strings.ToLower(t)] = r.info
			}
		}
	}
	return m
}()
