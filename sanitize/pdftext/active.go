package pdftext

import (
	"bytes"
	"slices"
)

// Active and hidden content that is present in a file but never output.
// Nothing of it is executed or copied: Extract only reads page content
// streams (and the Form XObjects they draw). These scans exist to tell the
// recipient what the original carried.
const (
	rmJavaScript = "JavaScript"
	rmOpenAction = "automatic action (OpenAction)"
	rmAA         = "automatic action (AA)"
	rmLaunch     = "launch action"
	rmRemote     = "links to other files"
	rmSubmit     = "form submission"
	rmEmbedded   = "embedded file"
	rmAttached   = "attached files"
	rmForm       = "form fields"
	rmComments   = "comments"
	rmMultimedia = "multimedia"
)

// scanObjects looks at every object the cross-reference information names
// (reachable or not: an unreachable object is still in the file) for the
// keys and values of ISO 32000-1 that carry actions (§12.6, Table 198),
// JavaScript (§12.6.4.16, §7.7.4 /JavaScript name tree), embedded files
// (§7.11.4), file attachment annotations (§12.5.6.15), interactive forms
// (§12.7), markup comments (§12.5.6.2) and multimedia (§13).
func (d *document) scanObjects(found map[string]bool) {
	nums := make([]uint32, 0, len(d.xref))
	for n, e := range d.xref {
		if e.typ != 0 {
			nums = append(nums, n)
		}
	}
	slices.Sort(nums)
	for i, n := range nums {
		if i%1024 == 0 && d.bud.check() != nil {
			return
		}
		d.inspect(d.get(ref{num: n, gen: d.xref[n].gen}), found, 0)
	}
}

func (d *document) inspect(o object, found map[string]bool, depth int) {
	if depth > maxNesting {
		return
	}
	switch v := o.(type) {
	case *stream:
		d.inspectDict(v.hdr, found)
		for _, x := range v.hdr {
			d.inspect(x, found, depth+1)
		}
	case dict:
		d.inspectDict(v, found)
		for _, x := range v {
			d.inspect(x, found, depth+1)
		}
	case array:
		for _, x := range v {
			d.inspect(x, found, depth+1)
		}
	}
}

func (d *document) inspectDict(v dict, found map[string]bool) {
	if _, ok := v["JS"]; ok {
		found[rmJavaScript] = true
	}
	if _, ok := v["JavaScript"]; ok {
		found[rmJavaScript] = true
	}
	if oa, ok := v["OpenAction"]; ok {
		// A destination (an array) only says which page to show first;
		// an action other than GoTo does something when the file opens.
		if a := d.dictOf(oa); a != nil && d.nameOf(a["S"]) != "GoTo" {
			found[rmOpenAction] = true
		}
	}
	if _, ok := v["AA"]; ok {
		found[rmAA] = true
	}
	switch asName(v["S"]) {
	case "JavaScript":
		found[rmJavaScript] = true
	case "Launch":
		found[rmLaunch] = true
	case "GoToR", "GoToE":
		found[rmRemote] = true
	case "SubmitForm", "ImportData":
		found[rmSubmit] = true
	case "Rendition", "Movie", "Sound", "RichMediaExecute":
		found[rmMultimedia] = true
	}
	if _, ok := v["EmbeddedFiles"]; ok {
		found[rmEmbedded] = true
	}
	if _, ok := v["EF"]; ok {
		found[rmEmbedded] = true
	}
	if asName(v["Type"]) == "EmbeddedFile" {
		found[rmEmbedded] = true
	}
	if _, ok := v["XFA"]; ok {
		found[rmForm] = true
	}
	if af, ok := v["AcroForm"]; ok {
		if f := d.dictOf(af); f != nil {
			if len(d.arrayOf(f["Fields"])) > 0 || f["XFA"] != nil {
				found[rmForm] = true
			}
		}
	}
	switch asName(v["Subtype"]) {
	case "FileAttachment":
		found[rmAttached] = true
	case "Widget":
		found[rmForm] = true
	case "Movie", "Sound", "Screen", "RichMedia", "3D":
		found[rmMultimedia] = true
	case "Text", "Highlight", "Underline", "Squiggly", "StrikeOut",
		"Square", "Circle", "Line", "Polygon", "PolyLine", "Ink", "Caret":
		// (FreeText and Stamp annotations show their text on the page,
		// and Extract writes it: annots.go.)
		if s, ok := d.resolve(v["Contents"]).(pdfString); ok && len(s) > 0 {
			found[rmComments] = true
		}
	}
}

// rawScan is a presence signal for files whose objects cannot all be read
// (encrypted without the empty password, or too damaged): it looks for the
// names in the raw bytes. It can miss names written with #xx escapes or
// inside compressed object streams, and can be fooled by the same bytes
// inside other data; it is used only as a fallback, to say more rather
// than less.
func rawScan(data []byte, found map[string]bool) {
	pats := []struct {
		name string
		what string
	}{
		{"/JavaScript", rmJavaScript},
		{"/JS", rmJavaScript},
		{"/OpenAction", rmOpenAction},
		{"/AA", rmAA},
		{"/Launch", rmLaunch},
		{"/EmbeddedFile", rmEmbedded},
		{"/FileAttachment", rmAttached},
		{"/AcroForm", rmForm},
		{"/RichMedia", rmMultimedia},
	}
	for _, p := range pats {
		for i := 0; i < len(data); {
			k := bytes.Index(data[i:], []byte(p.name))
			if k < 0 {
				break
			}
			end := i + k + len(p.name)
			// The name must end here: "/JS" must not match "/JSON".
			if end >= len(data) || !isRegular(data[end]) || p.name == "/EmbeddedFile" {
				found[p.what] = true
				break
			}
			i = end
		}
	}
}
