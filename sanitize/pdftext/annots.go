package pdftext

import (
	"strings"
)

// Text that lives in annotations rather than in the page's content
// stream (ISO 32000-1 §12.5, §12.7): the values of interactive form
// fields (§12.7.3: /V of a field, inherited down its /Parent chain, named
// by /TU or its partial names /T), the appearance of signature fields,
// free-text annotations and stamps (§12.5.6.6, §12.5.6.12: their normal
// appearance stream, §12.5.5, or else /Contents). It is written after the
// page's text under "--- form fields ---" and "--- annotations ---".
// Nothing else of an annotation is read: actions (/A, /AA), JavaScript
// and links are never followed, and hidden annotations are skipped.

const (
	maxAnnots      = 4096 // annotations read per page
	maxFieldParent = 32   // /Parent chain of a field
	annotFlagHide  = 1<<1 | 1<<5
	fieldPush      = 1 << 16 // Btn field flag: a push button, no value
)

// annotationText returns the labelled text of a page's annotations, at
// most limit bytes of it.
func (in *interp) annotationText(page dict, limit int) (string, error) {
	d := in.d
	annots := d.arrayOf(page["Annots"])
	if len(annots) == 0 {
		return "", nil
	}
	var fields, notes []string
	seen := map[uint32]bool{}
	for i, a := range annots {
		if i >= maxAnnots {
			break
		}
		if err := d.bud.check(); err != nil {
			return "", err
		}
		if r, ok := a.(ref); ok {
			if seen[r.num] {
				continue
			}
			seen[r.num] = true
		}
		ad := d.dictOf(a)
		if ad == nil {
			continue
		}
		if f, _ := asInt(d.resolve(ad["F"])); f&annotFlagHide != 0 {
			continue
		}
		switch d.nameOf(ad["Subtype"]) {
		case "Widget":
			line, err := in.fieldText(ad, seen)
			if err != nil {
				return "", err
			}
			if line != "" {
				fields = append(fields, line)
			}
		case "FreeText", "Stamp":
			text, err := in.appearanceText(ad)
			if err != nil {
				return "", err
			}
			if text == "" {
				if s, ok := d.resolve(ad["Contents"]).(pdfString); ok {
					text = textString([]byte(s))
				}
			}
			if text == "" && d.nameOf(ad["Subtype"]) == "Stamp" {
				text = string(d.nameOf(ad["Name"])) // a standard stamp: /Approved, /Confidential, ...
			}
			if text = cleanLines(text); text != "" {
				notes = append(notes, text)
			}
		}
	}
	var b strings.Builder
	for _, sec := range []struct {
		name  string
		lines []string
	}{{"form fields", fields}, {"annotations", notes}} {
		if len(sec.lines) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString("--- " + sec.name + " ---")
		for _, l := range sec.lines {
			b.WriteString("\n" + l)
		}
	}
	s := b.String()
	if len(s) > limit {
		s = s[:max(limit, 0)]
		s = strings.ToValidUTF8(s, "")
	}
	return s, nil
}

// fieldText renders a widget's field as "name: value", or "" for a field
// without a value. A field with several widgets (radio buttons, one field
// shown twice) is written once: seen holds the fields written.
func (in *interp) fieldText(w dict, seen map[uint32]bool) (string, error) {
	d := in.d
	// The field's entries, inherited from its ancestors (§12.7.3.1).
	var names []string
	var ft name
	var v, tu object
	var flags int64
	node := w
	for depth := 0; node != nil && depth < maxFieldParent; depth++ {
		if t, ok := d.resolve(node["T"]).(pdfString); ok {
			names = append(names, textString([]byte(t)))
		}
		if ft == "" {
			ft = d.nameOf(node["FT"])
		}
		if v == nil {
			v = d.resolve(node["V"])
		}
		if tu == nil {
			tu = d.resolve(node["TU"])
		}
		if flags == 0 {
			flags, _ = asInt(d.resolve(node["Ff"]))
		}
		node = d.dictOf(node["Parent"])
	}
	// A widget without a name of its own is a kid of its field (radio
	// buttons, a field shown on two pages): the field is written once.
	if r, ok := w["Parent"].(ref); ok && w["T"] == nil {
		if seen[r.num|1<<31] {
			return "", nil
		}
		seen[r.num|1<<31] = true
	}
	label := ""
	if s, ok := tu.(pdfString); ok {
		label = textString([]byte(s))
	}
	if label == "" {
		for i := len(names) - 1; i >= 0; i-- {
			if label != "" {
				label += "."
			}
			label += names[i]
		}
	}
	var value string
	switch ft {
	case "Tx", "Ch":
		value = fieldValue(d, v)
	case "Btn":
		if flags&fieldPush != 0 {
			return "", nil
		}
		if n, ok := v.(name); ok && n != "Off" && n != "" {
			value = string(n)
		}
	case "Sig":
		text, err := in.appearanceText(w)
		if err != nil {
			return "", err
		}
		if sd := d.dictOf(v); sd != nil {
			if s, ok := d.resolve(sd["Name"]).(pdfString); ok {
				text = strings.TrimSpace(text + " (signed by " + textString([]byte(s)) + ")")
			}
		}
		value = text
	}
	value = cleanLines(value)
	if value == "" {
		return "", nil
	}
	label = strings.Join(strings.Fields(cleanText(label)), " ")
	if label == "" {
		return value, nil
	}
	return label + ": " + value, nil
}

// fieldValue is a text or choice field's value: a text string, or an
// array of them (a list box with several choices).
func fieldValue(d *document, v object) string {
	switch x := v.(type) {
	case pdfString:
		return textString([]byte(x))
	case array:
		var parts []string
		for i, e := range x {
			if i >= 256 {
				break
			}
			if s, ok := d.resolve(e).(pdfString); ok {
				parts = append(parts, textString([]byte(s)))
			}
		}
		return strings.Join(parts, ", ")
	}
	return ""
}

// appearanceText runs an annotation's normal appearance stream (/AP /N,
// or the state /AS selects from it) and returns its text.
func (in *interp) appearanceText(a dict) (string, error) {
	d := in.d
	ap := d.dictOf(a["AP"])
	n := ap["N"]
	s, ok := d.resolve(n).(*stream)
	if !ok {
		states := d.dictOf(n)
		n = states[d.nameOf(a["AS"])]
		if s, ok = d.resolve(n).(*stream); !ok {
			return "", nil
		}
	}
	res := d.dictOf(s.hdr["Resources"])
	saved := in.out
	t := newTextOut(1 << 16)
	in.out = t
	savedGS, savedStack, savedQ, savedTm, savedTlm := in.gs, len(in.gstack), in.qDepth, in.tm, in.tlm
	in.gs = gstate{ctm: identity, th: 1}
	err := in.runForm(n, s, res)
	in.gs, in.qDepth, in.tm, in.tlm = savedGS, savedQ, savedTm, savedTlm
	in.gstack = in.gstack[:min(savedStack, len(in.gstack))]
	in.out = saved
	return t.text(), err
}

// cleanLines cleans text for a line of output: controls dropped, line
// breaks kept as " / " so a multi-line value stays one entry.
func cleanLines(s string) string {
	var parts []string
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if l = strings.Join(strings.Fields(cleanText(l)), " "); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, " / ")
}
