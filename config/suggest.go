package config

import (
	"reflect"
	"strconv"
	"strings"
)

// yamlField is a struct field as the file names it.
type yamlField struct {
	name  string
	index []int // for reflect.Value.FieldByIndex
	typ   reflect.Type
}

// fieldsOf lists the keys of struct type t in the order it declares them,
// those of an embedded ",inline" struct included.
func fieldsOf(t reflect.Type) []yamlField {
	out := make([]yamlField, 0, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case opts == "inline":
			for _, g := range fieldsOf(f.Type) {
				g.index = append([]int{i}, g.index...)
				out = append(out, g)
			}
		case name != "" && name != "-" && f.IsExported():
			out = append(out, yamlField{name: name, index: f.Index, typ: f.Type})
		}
	}
	return out
}

// keyPaths lists every key path below struct type t, with "*" for a map
// entry's name and "[]" for a list item.
func keyPaths(prefix string, t reflect.Type) []string {
	if t.Kind() != reflect.Struct || reflect.PointerTo(t).Implements(nodeValueType) {
		return nil
	}
	var out []string
	for _, f := range fieldsOf(t) {
		p := join(prefix, f.name)
		out = append(out, p)
		switch ft := f.typ; {
		case reflect.PointerTo(ft).Implements(nodeValueType):
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

var nodeValueType = reflect.TypeFor[nodeValue]()

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
	for _, f := range fieldsOf(t) {
		k := f.name
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

// under reports whether path lies below parent.
func under(path, parent string) bool {
	return strings.HasPrefix(path, parent) && len(path) > len(parent) &&
		(path[len(parent)] == '.' || path[len(parent)] == '[')
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
