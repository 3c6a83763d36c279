package config

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// document checks the raw bytes and parses them into a node tree. It
// returns the top-level node, or nil for a file that sets nothing (empty,
// only comments, or null), which means all defaults, and for a file with
// problems, which it has reported.
func (d *decoder) document(data []byte) *yaml.Node {
	if len(data) > maxFileSize {
		d.add(0, "the file is larger than %v; a configuration file is a few KiB", Size(maxFileSize))
		return nil
	}
	if !d.checkText(data) {
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := safeDecode(dec, &doc); err != nil {
		if err != io.EOF {
			d.syntaxError(err, data)
		}
		return nil
	}
	var extra yaml.Node
	switch err := safeDecode(dec, &extra); {
	case err == nil:
		d.add(extra.Line, "a second YAML document (after ---) is not allowed; keep all settings in one")
		return nil
	case err != io.EOF:
		d.syntaxError(err, data)
		return nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || isNull(doc.Content[0]) {
		return nil
	}
	return doc.Content[0]
}

// isNull reports whether n is an empty value ("key:" alone, ~ or null).
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// checkText finds the first byte YAML cannot read and reports it at its
// line; yaml.v3 reports these without a line, and a file saved as
// Shift_JIS by a Windows editor is a likely mistake here.
func (d *decoder) checkText(data []byte) bool {
	if bytes.HasPrefix(data, []byte{0xFE, 0xFF}) || bytes.HasPrefix(data, []byte{0xFF, 0xFE}) {
		// UTF-16 with a byte order mark: yaml.v3 converts it itself.
		return true
	}
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	line := 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			d.add(line, "the file is not UTF-8 text (byte 0x%02X); save it as UTF-8, not Shift_JIS or another encoding", data[i])
			return false
		case !yamlPrintable(r):
			d.add(line, "control character U+%04X is not allowed", r)
			return false
		case r == '\n':
			line++
		}
		i += size
	}
	return true
}

// yamlPrintable is the character set YAML 1.2 allows in a stream
// (section 5.1, c-printable).
func yamlPrintable(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r' || r == 0x85:
		return true
	case r >= 0x20 && r <= 0x7E, r >= 0xA0 && r <= 0xD7FF:
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return r != 0xFEFF
	case r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}

// safeDecode calls dec.Decode and turns a panic inside yaml.v3 into an
// error: no input may crash the caller (check-config, or a running server
// reloading on SIGHUP).
func safeDecode(dec *yaml.Decoder, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: cannot read the file (%v)", r)
		}
	}()
	return dec.Decode(v)
}

// syntaxError reports a YAML syntax error at its line. yaml.v3 has no
// error type for these, only the text "yaml: line N: message", so the
// line is read from that text.
func (d *decoder) syntaxError(err error, data []byte) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil {
				line, msg = n, text
			}
		}
	}
	if parserProblem(msg) {
		// yaml.v3 counts lines from 0 and adds 1 only for its scanner's
		// errors; it leaves the line out when it is the first (0 means
		// unknown to it).
		line++
	}
	if name, ok := unknownAnchor(msg); ok {
		// yaml.v3 gives no line for this one; the first use is a good guess.
		if i := bytes.Index(data, []byte("*"+name)); i >= 0 {
			line = 1 + bytes.Count(data[:i], []byte("\n"))
		}
		msg = fmt.Sprintf("alias *%s refers to no anchor &%s defined before it", name, name)
	}
	line = max(line, 1)
	var text []byte
	if lines := bytes.Split(data, []byte("\n")); line <= len(lines) {
		text = lines[line-1]
	}
	switch {
	case bytes.ContainsRune(text, '\t') && !strings.Contains(msg, "tab"):
		// yaml.v3 says "found character that cannot start any token" for
		// a tab, which does not tell an admin what to change.
		msg += " (a tab is not allowed here; indent with spaces)"
	case bytes.Contains(text, []byte("*.")) && strings.Contains(msg, "alphabetic or numeric"):
		// An unquoted *.example.jp starts a YAML alias, and the scanner
		// complains about the dot.
		msg = "an unquoted * starts a YAML alias; if this is a domain wildcard, wildcards are not supported: list each domain exactly"
	}
	d.add(line, "YAML syntax: %s", msg)
}

// unknownAnchor returns the name in yaml.v3's "unknown anchor 'NAME'
// referenced".
func unknownAnchor(msg string) (name string, ok bool) {
	name, ok = strings.CutPrefix(msg, "unknown anchor '")
	if !ok {
		return "", false
	}
	return strings.CutSuffix(name, "' referenced")
}

// parserProblem reports whether msg comes from yaml.v3's parser (as
// opposed to its scanner), whose line needs one added.
func parserProblem(msg string) bool {
	switch msg {
	case "did not find expected ',' or ']'",
		"did not find expected ',' or '}'",
		"did not find expected '-' indicator",
		"did not find expected <document start>",
		"did not find expected <stream-start>",
		"did not find expected key",
		"did not find expected node content",
		"found duplicate %TAG directive",
		"found duplicate %YAML directive",
		"found incompatible YAML document",
		"found undefined tag handle":
		return true
	}
	return false
}
