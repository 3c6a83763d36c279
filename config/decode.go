package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Decoding is done by yaml.v3; around it, walker walks the node tree
// alongside the Go types first. The walker finds the problems decoding
// would find, but it can name the key path ("relay.networks"), suggest a
// fix and phrase the message for an admin rather than a Go programmer. It
// also records the line of every key, which validation needs for its own
// messages, and drops duplicate keys after reporting them, because
// yaml.v3 skips a whole mapping that has one and the values beside it
// would then go unchecked.
//
// yaml.v3's own messages, including those of a strict (KnownFields) pass
// over the raw bytes, are kept only for lines where the walker found
// nothing: a gap in the walker then degrades to yaml.v3's wording instead
// of a missed error.

// parser turns one file into a Config; it holds the state of one Parse.
type parser struct {
	file string
	errs Errors
}

func (p *parser) add(line int, format string, args ...any) {
	p.errs = append(p.errs, Error{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// parse decodes data over base (which it modifies and returns) and
// validates the result.
func parse(file string, data []byte, base *Config) (*Config, error) {
	p := &parser{file: file}
	root := p.document(data)
	if len(p.errs) > 0 {
		return nil, sortErrors(p.errs)
	}
	w := newWalker(p)
	if root != nil {
		if mappingHasKey(root, "policies") {
			// yaml.v3 merges a map into an existing one, unlike a list; a
			// user who writes policies means exactly those policies.
			base.Policies = nil
		}
		w.walk("", root, reflect.TypeOf(base).Elem())
		if w.tooBig {
			// yaml.v3 checks keys for duplicates in quadratic time; do not
			// hand it what the walker found oversized.
			return nil, sortErrors(p.errs)
		}
		fatal := w.fallback(decodeNode(root, base))
		w.fallback(decodeStrict(data))
		if fatal {
			// base is half decoded, so validating it would report noise.
			return nil, sortErrors(p.errs)
		}
	}
	validate(base, w)
	if len(p.errs) > 0 {
		return nil, sortErrors(p.errs)
	}
	return base, nil
}

// fallback adds yaml.v3's problems on lines where the walker found none,
// and reports whether decoding stopped early.
func (w *walker) fallback(err error) (fatal bool) {
	var te *yaml.TypeError
	switch {
	case err == nil:
		return false
	case errors.As(err, &te):
		for _, s := range te.Errors {
			if line, msg := splitLine(s); !w.errLines[line] {
				w.p.add(line, "%s", msg)
			}
		}
		return false
	}
	if len(w.p.errs) == 0 {
		w.p.add(0, "%s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return true
}

// document checks the raw bytes and parses them into a node tree. It
// returns the top-level node, or nil for a file that sets nothing (empty,
// only comments, or null), which means all defaults.
func (p *parser) document(data []byte) *yaml.Node {
	if len(data) > maxFileSize {
		p.add(0, "the file is larger than %v; a configuration file is a few KiB", Size(maxFileSize))
		return nil
	}
	if !p.checkText(data) {
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := safeDecode(dec, &doc); err != nil {
		if err != io.EOF {
			p.syntaxError(err, data)
		}
		return nil
	}
	var extra yaml.Node
	switch err := safeDecode(dec, &extra); {
	case err == nil:
		p.add(extra.Line, "a second YAML document (after ---) is not allowed; keep all settings in one")
		return nil
	case err != io.EOF:
		p.syntaxError(err, data)
		return nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return nil
	}
	return root
}

// checkText finds the first byte YAML cannot read and reports it at its
// line; yaml.v3 reports these without a line, and a file saved as
// Shift_JIS by a Windows editor is a likely mistake here.
func (p *parser) checkText(data []byte) bool {
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
			p.add(line, "the file is not UTF-8 text (byte 0x%02X); save it as UTF-8, not Shift_JIS or another encoding", data[i])
			return false
		case !yamlPrintable(r):
			p.add(line, "control character U+%04X is not allowed", r)
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

var lineRE = regexp.MustCompile(`^line (\d+): (.*)$`)

// splitLine separates yaml.v3's "line N: " prefix from a message.
func splitLine(msg string) (int, string) {
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil {
			return n, m[2]
		}
	}
	return 0, msg
}

// parserProblem reports whether msg comes from yaml.v3's parser (as
// opposed to its scanner). For these it prints the line counted from 0
// (it adds 1 only for scanner errors), so they need one added.
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

var unknownAnchorRE = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)

// syntaxError reports a YAML syntax error at its line. yaml.v3 leaves
// the line out when it is the first (it counts from 0 internally and
// treats 0 as unknown); checkText has already caught the errors that have
// no line at all.
func (p *parser) syntaxError(err error, data []byte) {
	line, msg := splitLine(strings.TrimPrefix(err.Error(), "yaml: "))
	if parserProblem(msg) {
		line++
	}
	if m := unknownAnchorRE.FindStringSubmatch(msg); m != nil {
		// yaml.v3 gives no line for this one; the first use is a good guess.
		if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
			line = 1 + bytes.Count(data[:i], []byte("\n"))
		}
		msg = fmt.Sprintf("alias *%s refers to no anchor &%s defined before it", m[1], m[1])
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
	p.add(line, "YAML syntax: %s", msg)
}

// decodeNode decodes the walked (duplicate-free) tree over c.
func decodeNode(n *yaml.Node, c *Config) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: cannot read the file (%v)", r)
		}
	}()
	return n.Decode(c)
}

// decodeStrict decodes the raw bytes with unknown keys refused, into a
// scratch value: it only looks for problems.
func decodeStrict(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	return safeDecode(dec, new(Config))
}

// mappingHasKey reports whether the mapping n has the key name.
func mappingHasKey(n *yaml.Node, name string) bool {
	if n.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Kind == yaml.ScalarNode && n.Content[i].Value == name {
			return true
		}
	}
	return false
}

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

// Bounds on the shape of a file. Real files have a few hundred nodes,
// sections a few dozen keys and lists at most hundreds of items; the
// bounds keep checking a hostile or broken file fast, since yaml.v3 looks
// for duplicate keys in quadratic time and aliases can expand a small
// file into a huge tree.
const (
	walkBudget = 100_000
	maxKeys    = 1000
	maxItems   = 10_000
)

// walker checks the node tree against the Go types; see the comment at
// the top of this file.
type walker struct {
	p *parser
	// lines maps a key path ("relay.networks", "routes[0].policy",
	// "relay.networks[2]") to its line in the user's file.
	lines map[string]int
	// bad holds paths whose value could not be decoded; validation skips
	// them and everything below them, since their value is a leftover
	// default and a message about it would only confuse. badAbove holds
	// their ancestors, which validation skips too (see isBad).
	bad, badAbove map[string]bool
	errLines      map[int]bool
	budget        int
	// tooBig is set when the file exceeds a bound above somewhere.
	tooBig bool
}

func newWalker(p *parser) *walker {
	return &walker{
		p:        p,
		lines:    make(map[string]int),
		bad:      make(map[string]bool),
		badAbove: make(map[string]bool),
		errLines: make(map[int]bool),
		budget:   walkBudget,
	}
}

// fail records a problem with the value at path, found at line.
func (w *walker) fail(path string, line int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if d := displayPath(path); d != "" {
		msg = d + ": " + msg
	}
	w.p.add(line, "%s", msg)
	w.markBad(path)
	w.errLines[line] = true
}

func (w *walker) markBad(path string) {
	w.bad[path] = true
	for path != "" {
		path = parentPath(path)
		w.badAbove[path] = true
	}
}

// parentPath strips the last key or index from a path.
func parentPath(path string) string {
	if i := strings.LastIndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return ""
}

// line is the line of path, or of its closest ancestor in the user's
// file; 0 when the value came entirely from the defaults.
func (w *walker) line(path string) int {
	for path != "" {
		if l, ok := w.lines[path]; ok {
			return l
		}
		path = parentPath(path)
	}
	return 0
}

// isBad reports whether path, an ancestor or a descendant of it failed
// to decode.
func (w *walker) isBad(path string) bool {
	if w.badAbove[path] {
		return true
	}
	for {
		if w.bad[path] {
			return true
		}
		if path == "" {
			return false
		}
		path = parentPath(path)
	}
}

// under reports whether path lies below parent.
func under(path, parent string) bool {
	if parent == "" {
		return true
	}
	return strings.HasPrefix(path, parent) && len(path) > len(parent) &&
		(path[len(parent)] == '.' || path[len(parent)] == '[')
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// walk checks node n against Go type t.
func (w *walker) walk(path string, n *yaml.Node, t reflect.Type) {
	w.budget--
	if w.budget < 0 {
		if w.budget == -1 {
			w.fail("", n.Line, "the file is too complex: aliases expand it to more than %d values", walkBudget)
			w.tooBig = true
		}
		return
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias != nil {
			// The schema is only a few levels deep, so even a
			// self-referencing alias ends at a leaf.
			w.walk(path, n.Alias, t)
		}
		return
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		// A key without a value keeps its default (an empty list for
		// lists), as yaml.v3 decodes it; see mugai.yaml's header.
		return
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		w.custom(path, n, t)
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		w.walk(path, n, t.Elem())
	case reflect.Struct:
		w.structure(path, n, t)
	case reflect.Map:
		w.dict(path, n, t)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			w.fail(path, n.Line, "want a list, got %s", kindName(n))
			return
		}
		if !w.fits(path, n) {
			return
		}
		for i, item := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			w.lines[p] = item.Line
			if item.Kind == yaml.ScalarNode && item.ShortTag() == "!!null" {
				// yaml.v3 silently leaves a null item out of the list.
				w.fail(p, item.Line, "empty list item; remove the \"-\" or write a value after it")
				continue
			}
			w.walk(p, item, t.Elem())
		}
	default:
		w.scalar(path, n, t)
	}
}

// fits checks a mapping or list against maxKeys and maxItems.
func (w *walker) fits(path string, n *yaml.Node) bool {
	switch {
	case n.Kind == yaml.MappingNode && len(n.Content)/2 > maxKeys:
		w.fail(path, n.Line, "%d keys are too many (at most %d)", len(n.Content)/2, maxKeys)
	case n.Kind == yaml.SequenceNode && len(n.Content) > maxItems:
		w.fail(path, n.Line, "%d items are too many (at most %d)", len(n.Content), maxItems)
	default:
		return true
	}
	w.tooBig = true
	return false
}

// custom checks a value of one of our yaml.Unmarshaler types by decoding
// it on its own; their messages are already written for admins.
func (w *walker) custom(path string, n *yaml.Node, t reflect.Type) {
	if !w.fits(path, n) {
		return
	}
	if n.Kind == yaml.SequenceNode {
		for i, item := range n.Content {
			w.lines[fmt.Sprintf("%s[%d]", path, i)] = item.Line
		}
	}
	err := n.Decode(reflect.New(t).Interface())
	var te *yaml.TypeError
	switch {
	case err == nil:
	case errors.As(err, &te):
		for _, s := range te.Errors {
			line, msg := splitLine(s)
			if line == 0 {
				line = n.Line
			}
			w.fail(path, line, "%s", msg)
		}
	default:
		w.fail(path, n.Line, "%s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
}

// scalar checks a string, number or boolean.
func (w *walker) scalar(path string, n *yaml.Node, t reflect.Type) {
	want := "a single value"
	switch t.Kind() {
	case reflect.Int, reflect.Int64:
		want = "a whole number"
	case reflect.Bool:
		want = "true or false"
	}
	if n.Kind != yaml.ScalarNode {
		w.fail(path, n.Line, "want %s, got %s", want, kindName(n))
		return
	}
	if err := n.Decode(reflect.New(t).Interface()); err != nil {
		if t.Kind() == reflect.String {
			w.fail(path, n.Line, "%s", strings.TrimPrefix(err.Error(), "yaml: "))
			return
		}
		w.fail(path, n.Line, "want %s, got %s", want, quote(n.Value))
	}
}

// keyName returns the text of a mapping key, or "" after reporting why
// the key cannot be used.
func (w *walker) keyName(path string, k *yaml.Node) string {
	switch {
	case k.ShortTag() == "!!merge":
		// Merge keys are YAML 1.1, not 1.2, and make it hard to see which
		// value wins; aliases of whole values cover the real need.
		w.fail(path, k.Line, "merge keys (<<) are not supported; write the keys out, or reuse a whole value with an alias (*name)")
	case k.Kind != yaml.ScalarNode:
		w.fail(path, k.Line, "a key must be a single word, not %s", kindName(k))
	case k.Value == "":
		w.fail(path, k.Line, "empty key")
	default:
		return k.Value
	}
	return ""
}

// structure checks a mapping decoded into struct type t.
func (w *walker) structure(path string, n *yaml.Node, t reflect.Type) {
	if n.Kind != yaml.MappingNode {
		if path == "" {
			w.fail(path, n.Line, "the file must be a set of keys such as \"hostname:\" and \"listen:\", not %s", kindName(n))
			return
		}
		w.fail(path, n.Line, "want a set of keys (key: value lines), got %s", kindName(n))
		return
	}
	if !w.fits(path, n) {
		return
	}
	fields := yamlFields(t)
	w.dropDuplicates(path, n)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := w.keyName(path, k)
		if name == "" {
			continue
		}
		p := join(path, name)
		ft, ok := fields[name]
		if !ok {
			w.unknown(path, k, t)
			continue
		}
		w.lines[p] = k.Line
		w.walk(p, v, ft)
	}
}

// dict checks a mapping decoded into a map with string keys (policies).
func (w *walker) dict(path string, n *yaml.Node, t reflect.Type) {
	if n.Kind != yaml.MappingNode {
		w.fail(path, n.Line, "want a set of named entries, got %s", kindName(n))
		return
	}
	if !w.fits(path, n) {
		return
	}
	w.dropDuplicates(path, n)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := w.keyName(path, k)
		if name == "" {
			continue
		}
		p := join(path, name)
		w.lines[p] = k.Line
		w.walk(p, v, t.Elem())
	}
}

// dropDuplicates reports every key given twice in mapping n and removes
// the later copies, so the first value is decoded and validated like any
// other. The comparison is yaml.v3's (same kind, same text).
func (w *walker) dropDuplicates(path string, n *yaml.Node) {
	type key struct {
		kind  yaml.Kind
		value string
	}
	seen := make(map[key]int)
	kept := n.Content[:0:0]
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if first, dup := seen[key{k.Kind, k.Value}]; dup {
			w.p.add(k.Line, "%s: given twice (first at line %d)", displayPath(join(path, k.Value)), first)
			w.errLines[k.Line] = true
			continue
		}
		seen[key{k.Kind, k.Value}] = k.Line
		kept = append(kept, k, n.Content[i+1])
	}
	n.Content = kept
}

// unknown reports key k, which struct type t (at path) does not have,
// with a guess at what was meant.
func (w *walker) unknown(path string, k *yaml.Node, t reflect.Type) {
	msg := fmt.Sprintf("unknown key %s", quote(k.Value))
	if path != "" {
		msg += " in " + displayPath(path)
	}
	if s := suggest(k.Value, t, path); s != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", s)
	}
	w.p.add(k.Line, "%s", msg)
	w.errLines[k.Line] = true
	// Marking the key bad silences validation of what contains it: a
	// route whose only condition is misspelt has no condition, but saying
	// so as well would only distract from the typo.
	w.markBad(join(path, k.Value))
}

// yamlFields maps the YAML key of each field of struct type t to the
// field's type.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	m := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		m[name] = f.Type
	}
	return m
}

// keyPaths lists every key path below struct type t, with "*" for a map
// entry's name and "[]" for a list item.
func keyPaths(prefix string, t reflect.Type) []string {
	var out []string
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		p := join(prefix, name)
		out = append(out, p)
		ft := f.Type
		switch {
		case reflect.PointerTo(ft).Implements(unmarshalerType):
		case ft.Kind() == reflect.Map:
			out = append(out, keyPaths(p+".*", ft.Elem())...)
		case ft.Kind() == reflect.Slice:
			out = append(out, keyPaths(p+"[]", ft.Elem())...)
		default:
			out = append(out, keyPaths(p, ft)...)
		}
	}
	return out
}

// suggest guesses the key meant by an unknown key name: a near spelling
// among t's keys, else the same key in other sections ("maildir" written
// under relay suggests delivery.maildir).
func suggest(name string, t reflect.Type, path string) string {
	if len(name) > 64 {
		// No key is this long, and edit distance is quadratic.
		return ""
	}
	norm := strings.NewReplacer("-", "_", " ", "_").Replace(strings.ToLower(name))
	best, bestDist := "", 3
	for k := range yamlFields(t) {
		if k == norm {
			return strconv.Quote(k)
		}
		if d := editDistance(norm, k); d < bestDist || d == bestDist && k < best {
			if d < len(k)/2+1 {
				best, bestDist = k, d
			}
		}
	}
	if best != "" {
		return strconv.Quote(best)
	}
	var elsewhere []string
	for _, p := range keyPaths("", reflect.TypeFor[Config]()) {
		if strings.ContainsAny(p, "*[") || path != "" && under(p, path) {
			continue
		}
		if lastKey(p) == norm {
			elsewhere = append(elsewhere, p)
		}
	}
	return strings.Join(elsewhere, " or ")
}

// lastKey is the final key of a path.
func lastKey(path string) string {
	return path[strings.LastIndexAny(path, ".]")+1:]
}

// editDistance is the optimal string alignment distance: Levenshtein
// plus swapping two neighbouring letters, the commonest typo ("domian").
func editDistance(a, b string) int {
	// d[i][j] is the distance between a[:i] and b[:j].
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
