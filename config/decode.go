package config

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Decoding walks yaml.v3's node tree once, alongside the Config it fills.
// yaml.v3 decodes each single value straight into its field
// (node.Decode), so strings, numbers and booleans read exactly as yaml.v3
// reads them; this package's value types (Size, Duration, Prefixes,
// Domains) decode themselves. The walk around them checks the shape of
// the file (a list where a list belongs), refuses unknown and duplicate
// keys, and words each problem for an admin, with the key path
// ("relay.networks") and the line yaml.v3 recorded in the node. It also
// records the line of every key, which validation needs for its own
// messages.
//
// A list or a map in the file replaces the value it is decoded over. The
// keys of a section are decoded in the order its struct declares them,
// whatever their order in the file: the sanitize section comes before
// policies, and each named policy is decoded over a copy of it.

// Bounds on the shape of a file. Real files have a few hundred nodes,
// sections a few dozen keys and lists at most hundreds of items; the
// bounds keep checking a hostile or broken file fast, since aliases can
// expand a small file into a huge tree.
const (
	walkBudget = 100_000
	maxKeys    = 1000
	maxItems   = 10_000
)

// decoder holds the state of one Parse.
type decoder struct {
	file string
	errs Errors
	// lines maps a key path ("relay.networks", "routes[0].policy",
	// "relay.networks[2]") to its line in the user's file.
	lines map[string]int
	// bad holds paths whose value could not be decoded; validation skips
	// them and everything below them, since their value is a leftover
	// default and a message about it would only confuse. badAbove holds
	// their ancestors, which validation skips too (see isBad).
	bad, badAbove map[string]bool
	budget        int
	// incomplete is set when decoding stopped part way, at a bound above
	// or on a failure inside yaml.v3; validation is then skipped, since
	// it would report on values the file never reached.
	incomplete bool
	// sanitize is the section named policies are decoded over.
	sanitize *SanitizeSection
}

func newDecoder(file string) *decoder {
	return &decoder{
		file:     file,
		lines:    make(map[string]int),
		bad:      make(map[string]bool),
		badAbove: make(map[string]bool),
		budget:   walkBudget,
	}
}

func (d *decoder) add(line int, format string, args ...any) {
	d.errs = append(d.errs, Error{File: d.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// parse decodes data over base (which it modifies and returns) and
// validates the result.
func parse(file string, data []byte, base *Config) (*Config, error) {
	d := newDecoder(file)
	root := d.document(data)
	if len(d.errs) > 0 {
		return nil, sortErrors(d.errs)
	}
	if root != nil {
		d.config(root, base)
	}
	if !d.incomplete {
		validate(base, d)
	}
	if len(d.errs) > 0 {
		return nil, sortErrors(d.errs)
	}
	return base, nil
}

// config decodes the top-level node over c.
func (d *decoder) config(root *yaml.Node, c *Config) {
	defer func() {
		// node.Decode turns yaml.v3's own failures into errors; this is
		// for anything else, since no input may crash the caller.
		if r := recover(); r != nil {
			d.add(0, "cannot read the file (%v)", r)
			d.incomplete = true
		}
	}()
	d.sanitize = &c.Sanitize
	d.walk("", root, reflect.ValueOf(c).Elem())
}

// fail records a problem with the value at path, found at line.
func (d *decoder) fail(path string, line int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if p := displayPath(path); p != "" {
		msg = p + ": " + msg
	}
	d.add(line, "%s", msg)
	d.markBad(path)
}

func (d *decoder) markBad(path string) {
	d.bad[path] = true
	for path != "" {
		path = parentPath(path)
		d.badAbove[path] = true
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
func (d *decoder) line(path string) int {
	for path != "" {
		if l, ok := d.lines[path]; ok {
			return l
		}
		path = parentPath(path)
	}
	return 0
}

// isBad reports whether path, an ancestor or a descendant of it failed
// to decode.
func (d *decoder) isBad(path string) bool {
	if d.badAbove[path] {
		return true
	}
	for {
		if d.bad[path] {
			return true
		}
		if path == "" {
			return false
		}
		path = parentPath(path)
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// walk decodes node n into v, which is addressable.
func (d *decoder) walk(path string, n *yaml.Node, v reflect.Value) {
	d.budget--
	if d.budget < 0 {
		if d.budget == -1 {
			d.fail("", n.Line, "the file is too complex: aliases expand it to more than %d values", walkBudget)
			d.incomplete = true
		}
		return
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias != nil {
			// The schema is only a few levels deep, so even a
			// self-referencing alias ends at a leaf.
			d.walk(path, n.Alias, v)
		}
		return
	}
	if isNull(n) {
		// A key without a value keeps its default, and a list or map
		// without one is empty, as yaml.v3 decodes it; see mugai.yaml's
		// header.
		if k := v.Kind(); k == reflect.Slice || k == reflect.Map {
			v.SetZero()
		}
		return
	}
	if nv, ok := v.Addr().Interface().(nodeValue); ok {
		d.value(path, n, nv)
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.structure(path, n, v)
	case reflect.Map:
		d.mapping(path, n, v)
	case reflect.Slice:
		d.list(path, n, v)
	default:
		d.scalar(path, n, v)
	}
}

// shaped reports whether n is of the kind wanted, and within the bounds,
// after reporting what it is instead.
func (d *decoder) shaped(path string, n *yaml.Node, kind yaml.Kind, want string) bool {
	if n.Kind != kind {
		d.fail(path, n.Line, "want %s, got %s", want, kindName(n))
		return false
	}
	return d.fits(path, n)
}

// fits checks a mapping or list against maxKeys and maxItems.
func (d *decoder) fits(path string, n *yaml.Node) bool {
	switch {
	case n.Kind == yaml.MappingNode && len(n.Content)/2 > maxKeys:
		d.fail(path, n.Line, "%d keys are too many (at most %d)", len(n.Content)/2, maxKeys)
	case n.Kind == yaml.SequenceNode && len(n.Content) > maxItems:
		d.fail(path, n.Line, "%d items are too many (at most %d)", len(n.Content), maxItems)
	default:
		return true
	}
	d.incomplete = true
	return false
}

// value decodes one of this package's value types, whose messages are
// already written for admins.
func (d *decoder) value(path string, n *yaml.Node, v nodeValue) {
	if !d.fits(path, n) {
		return
	}
	if n.Kind == yaml.SequenceNode {
		for i, item := range n.Content {
			d.lines[index(path, i)] = item.Line
		}
	}
	v.decodeNode(n, func(at *yaml.Node, msg string) { d.fail(path, at.Line, "%s", msg) })
}

// scalar decodes a string, number or boolean with yaml.v3.
func (d *decoder) scalar(path string, n *yaml.Node, v reflect.Value) {
	want := "a single value"
	switch v.Kind() {
	case reflect.Int, reflect.Int64:
		want = "a whole number"
	case reflect.Bool:
		want = "true or false"
	}
	if n.Kind != yaml.ScalarNode {
		d.fail(path, n.Line, "want %s, got %s", want, kindName(n))
		return
	}
	switch err := n.Decode(v.Addr().Interface()); {
	case err == nil:
	case v.Kind() == reflect.String:
		// Only an explicit tag (!!int x, !!binary ...) makes text fail,
		// and yaml.v3 says how.
		d.fail(path, n.Line, "%s", strings.TrimPrefix(err.Error(), "yaml: "))
	default:
		d.fail(path, n.Line, "want %s, got %s", want, quote(n.Value))
	}
}

// list decodes a sequence into a new slice.
func (d *decoder) list(path string, n *yaml.Node, v reflect.Value) {
	if !d.shaped(path, n, yaml.SequenceNode, "a list") {
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		p := index(path, i)
		d.lines[p] = item.Line
		if isNull(item) {
			d.fail(p, item.Line, "empty list item; remove the \"-\" or write a value after it")
			continue
		}
		d.walk(p, item, s.Index(i))
	}
	v.Set(s)
}

// structure decodes a mapping into a struct, key by key in the order the
// struct declares them.
func (d *decoder) structure(path string, n *yaml.Node, v reflect.Value) {
	if path == "" && n.Kind != yaml.MappingNode {
		d.fail(path, n.Line, "the file must be a set of keys such as \"hostname:\" and \"listen:\", not %s", kindName(n))
		return
	}
	if !d.shaped(path, n, yaml.MappingNode, "a set of keys (key: value lines)") {
		return
	}
	fields := fieldsOf(v.Type())
	given := d.keys(path, n, fields, v.Type())
	for _, f := range fields {
		for _, kv := range given {
			if kv.name == f.name {
				p := join(path, f.name)
				d.lines[p] = kv.key.Line
				d.walk(p, kv.value, v.FieldByIndex(f.index))
			}
		}
	}
}

// mapping decodes a mapping into a new map with string keys (policies,
// converters). A named policy is decoded over a copy of the sanitize
// section, so it holds every sanitize key.
func (d *decoder) mapping(path string, n *yaml.Node, v reflect.Value) {
	if !d.shaped(path, n, yaml.MappingNode, "a set of named entries") {
		return
	}
	given := d.keys(path, n, nil, nil)
	m := reflect.MakeMapWithSize(v.Type(), len(given))
	for _, kv := range given {
		p := join(path, kv.name)
		d.lines[p] = kv.key.Line
		entry := reflect.New(v.Type().Elem())
		if ps, ok := entry.Interface().(*PolicySection); ok {
			ps.SanitizeSection = *d.sanitize
		}
		d.walk(p, kv.value, entry.Elem())
		m.SetMapIndex(reflect.ValueOf(kv.name).Convert(v.Type().Key()), entry.Elem())
	}
	v.Set(m)
}

// keyValue is one key of a mapping and its value.
type keyValue struct {
	name       string
	key, value *yaml.Node
}

// keys returns the usable keys of mapping n, in the file's order. It
// reports, and leaves out, keys given twice, keys that cannot be names
// and, for a struct (type t, with fields), keys it does not have.
func (d *decoder) keys(path string, n *yaml.Node, fields []yamlField, t reflect.Type) []keyValue {
	given := make([]keyValue, 0, len(n.Content)/2)
	first := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind == yaml.ScalarNode {
			// The comparison is yaml.v3's: the same text, quoted or not.
			if line, dup := first[k.Value]; dup {
				d.add(k.Line, "%s: given twice (first at line %d)", displayPath(join(path, k.Value)), line)
				continue
			}
			first[k.Value] = k.Line
		}
		name := d.keyName(path, k)
		switch {
		case name == "":
		case t != nil && !slices.ContainsFunc(fields, func(f yamlField) bool { return f.name == name }):
			d.unknown(path, k, t)
		default:
			given = append(given, keyValue{name, k, n.Content[i+1]})
		}
	}
	return given
}

// keyName returns the text of a mapping key, or "" after reporting why
// the key cannot be used.
func (d *decoder) keyName(path string, k *yaml.Node) string {
	switch {
	case k.ShortTag() == "!!merge":
		// Merge keys are YAML 1.1, not 1.2, and make it hard to see which
		// value wins; aliases of whole values cover the real need.
		d.fail(path, k.Line, "merge keys (<<) are not supported; write the keys out, or reuse a whole value with an alias (*name)")
	case k.Kind != yaml.ScalarNode:
		d.fail(path, k.Line, "a key must be a single word, not %s", kindName(k))
	case k.Value == "":
		d.fail(path, k.Line, "empty key")
	default:
		return k.Value
	}
	return ""
}

// unknown reports key k, which struct type t (at path) does not have,
// with a guess at what was meant.
func (d *decoder) unknown(path string, k *yaml.Node, t reflect.Type) {
	msg := fmt.Sprintf("unknown key %s", quote(k.Value))
	if path != "" {
		msg += " in " + displayPath(path)
	}
	if s := suggest(k.Value, t, path); s != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", s)
	}
	d.add(k.Line, "%s", msg)
	// Marking the key bad silences validation of what contains it: a
	// route whose only condition is misspelt has no condition, but saying
	// so as well would only distract from the typo.
	d.markBad(join(path, k.Value))
}
