package office

import (
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
)

// numbering renders WordprocessingML list labels ("1.", "(a)", "①",
// "・") from the numbering part (ECMA-376 Part 1 §17.9): a paragraph's
// numPr names a numbering instance (w:num) and a level; the instance
// points at an abstract definition whose level gives the format (numFmt,
// §17.18.59), the label template (lvlText, "%1.%2.") and the start value.
//
// Word counts per abstract definition, restarting deeper levels when a
// shallower one advances (lvlRestart's default, §17.9.10); an instance's
// startOverride (§17.9.26) restarts its level the first time it is used.
// Not rendered: lvlRestart other than the default, isLgl, and legal
// numbering of headings through the style's outline levels.
type numbering struct {
	abstract map[string]*[9]numLevel
	nums     map[string]numInstance
	count    map[string]*[9]int // per abstract definition; 0 = not started
	started  map[string]bool    // numId+level whose startOverride was applied
}

type numLevel struct {
	format string
	text   string
	start  int
	set    bool
}

type numInstance struct {
	abstract string
	start    [9]int // startOverride+1 per level, 0 = none
}

// maxNumDefs bounds the definitions kept from a numbering part.
const maxNumDefs = 4096

func (ex *extraction) readNumbering(part string) (*numbering, error) {
	n := &numbering{
		abstract: map[string]*[9]numLevel{},
		nums:     map[string]numInstance{},
		count:    map[string]*[9]int{},
		started:  map[string]bool{},
	}
	x, err := ex.xmlPart(part)
	if errors.Is(err, errNoPart) {
		return n, nil
	}
	if err != nil {
		return nil, err
	}
	defer x.close()
	var (
		abs   *[9]numLevel
		lvl   = -1
		num   string
		inst  numInstance
		ovLvl = -1
	)
	for {
		tok, err := x.next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if x.ns() != nsW {
				continue
			}
			val := attr(t, nsW, "val")
			switch t.Name.Local {
			case "abstractNum":
				abs = nil
				if len(n.abstract) < maxNumDefs {
					abs = &[9]numLevel{}
					n.abstract[attr(t, nsW, "abstractNumId")] = abs
				}
			case "lvl":
				lvl = -1
				if i, err := strconv.Atoi(attr(t, nsW, "ilvl")); err == nil && i >= 0 && i < 9 {
					lvl = i
				}
				if x.up(1).local == "lvlOverride" {
					lvl = -1 // a full level override is rare; its start is read below
				} else if abs != nil && lvl >= 0 {
					abs[lvl] = numLevel{format: "decimal", start: 1, set: true}
				}
			case "numFmt", "lvlText", "start":
				if abs == nil || lvl < 0 || x.up(1).local != "lvl" {
					continue
				}
				switch t.Name.Local {
				case "numFmt":
					abs[lvl].format = val
				case "lvlText":
					abs[lvl].text = val
				case "start":
					if i, err := strconv.Atoi(val); err == nil && i >= 0 && i < 1<<20 {
						abs[lvl].start = i
					}
				}
			case "num":
				num, inst = attr(t, nsW, "numId"), numInstance{}
			case "abstractNumId":
				if x.up(1).local == "num" {
					inst.abstract = val
				}
			case "lvlOverride":
				ovLvl = -1
				if i, err := strconv.Atoi(attr(t, nsW, "ilvl")); err == nil && i >= 0 && i < 9 {
					ovLvl = i
				}
			case "startOverride":
				if i, err := strconv.Atoi(val); err == nil && ovLvl >= 0 && i >= 0 && i < 1<<20 {
					inst.start[ovLvl] = i + 1
				}
			}
		case xml.EndElement:
			if x.endNS() == nsW && t.Name.Local == "num" && num != "" && len(n.nums) < maxNumDefs {
				n.nums[num] = inst
				num = ""
			}
		}
	}
}

// label returns the list label of the next paragraph of a numbering
// instance at a level, "" for none.
func (n *numbering) label(numID string, ilvl int) string {
	if n == nil || numID == "" || numID == "0" || ilvl < 0 || ilvl > 8 {
		return ""
	}
	inst, ok := n.nums[numID]
	if !ok {
		return ""
	}
	abs := n.abstract[inst.abstract]
	if abs == nil || !abs[ilvl].set {
		return ""
	}
	c := n.count[inst.abstract]
	if c == nil {
		c = &[9]int{}
		n.count[inst.abstract] = c
	}
	// c holds counter+1, so that 0 means "not started" even for lists
	// that start at 0.
	key := numID + "/" + strconv.Itoa(ilvl)
	switch {
	case inst.start[ilvl] > 0 && !n.started[key]:
		n.started[key] = true
		c[ilvl] = inst.start[ilvl]
	case c[ilvl] == 0:
		c[ilvl] = abs[ilvl].start + 1
	default:
		c[ilvl]++
	}
	for i := ilvl + 1; i < 9; i++ {
		c[i] = 0
	}
	l := abs[ilvl]
	switch l.format {
	case "none":
		return ""
	case "bullet":
		return bullet(l.text)
	}
	var b strings.Builder
	for i := 0; i < len(l.text); i++ {
		ch := l.text[i]
		if ch == '%' && i+1 < len(l.text) && l.text[i+1] >= '1' && l.text[i+1] <= '9' {
			k := int(l.text[i+1] - '1')
			v := c[k] - 1
			if c[k] == 0 {
				v = abs[k].start
			}
			b.WriteString(formatNumber(v, abs[k].format))
			i++
			continue
		}
		b.WriteByte(ch)
	}
	return b.String()
}

// bullet returns a bullet label. Word's default bullets are symbol-font
// characters in the Private Use Area (U+F0B7 in Symbol, U+F06C in
// Wingdings) that mean nothing outside that font.
func bullet(text string) string {
	var b strings.Builder
	for _, r := range text {
		if r >= 0xE000 && r <= 0xF8FF {
			r = '•'
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "•"
	}
	return b.String()
}

// formatNumber renders a counter in a numFmt (ST_NumberFormat, ECMA-376
// Part 1 §17.18.59); formats not listed fall back to decimal.
func formatNumber(v int, format string) string {
	switch format {
	case "decimalZero":
		if v < 10 && v >= 0 {
			return "0" + strconv.Itoa(v)
		}
	case "upperRoman", "lowerRoman":
		if v > 0 && v < 4000 {
			s := roman(v)
			if format == "lowerRoman" {
				s = strings.ToLower(s)
			}
			return s
		}
	case "upperLetter", "lowerLetter":
		if v > 0 {
			// A, B, ..., Z, AA, BB, ... (§17.18.59: the letter repeats).
			base := 'A'
			if format == "lowerLetter" {
				base = 'a'
			}
			n := (v-1)/26 + 1
			if n > 10 {
				n = 10
			}
			return strings.Repeat(string(base+rune((v-1)%26)), n)
		}
	case "decimalFullWidth", "decimalFullWidth2":
		var b strings.Builder
		for _, r := range strconv.Itoa(v) {
			if r >= '0' && r <= '9' {
				r += '０' - '0'
			}
			b.WriteRune(r)
		}
		return b.String()
	case "decimalEnclosedCircle", "decimalEnclosedCircleChinese":
		if v >= 1 && v <= 20 {
			return string(rune('①' + v - 1))
		}
	case "aiueo", "aiueoFullWidth", "iroha", "irohaFullWidth":
		seq := []rune("アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン")
		if strings.HasPrefix(format, "iroha") {
			seq = []rune("イロハニホヘトチリヌルヲワカヨタレソツネナラムウヰノオクヤマケフコエテアサキユメミシヱヒモセス")
		}
		if v >= 1 {
			return string(seq[(v-1)%len(seq)])
		}
	case "ideographDigital", "japaneseDigitalTenThousand":
		digits := []rune("〇一二三四五六七八九")
		var b strings.Builder
		for _, r := range strconv.Itoa(v) {
			if r >= '0' && r <= '9' {
				r = digits[r-'0']
			}
			b.WriteRune(r)
		}
		return b.String()
	case "japaneseCounting", "chineseCounting", "chineseCountingThousand", "ideographTraditional":
		if v >= 1 && v < 10000 {
			return kansuji(v)
		}
	}
	return strconv.Itoa(v)
}

func roman(v int) string {
	vals := []int{1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1}
	syms := []string{"M", "CM", "D", "CD", "C", "XC", "L", "XL", "X", "IX", "V", "IV", "I"}
	var b strings.Builder
	for i, n := range vals {
		for v >= n {
			b.WriteString(syms[i])
			v -= n
		}
	}
	return b.String()
}

// kansuji writes 1–9999 in Japanese counting numerals (二十一, 百五).
func kansuji(v int) string {
	digits := []rune("〇一二三四五六七八九")
	units := []string{"千", "百", "十", ""}
	var b strings.Builder
	for i, p := range []int{1000, 100, 10, 1} {
		d := v / p % 10
		if d == 0 {
			continue
		}
		if d > 1 || p == 1 {
			b.WriteRune(digits[d])
		}
		b.WriteString(units[i])
	}
	return b.String()
}

// styleNumbering maps paragraph style ids to the numbering their pPr (or
// the style they are based on, §17.7.4.3) assigns.
type styleNumbering map[string]styleNum

type styleNum struct {
	numID, ilvl, basedOn string
}

func (ex *extraction) readStyleNumbering(part string) (styleNumbering, error) {
	s := styleNumbering{}
	x, err := ex.xmlPart(part)
	if errors.Is(err, errNoPart) {
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	defer x.close()
	var id string
	var cur styleNum
	for {
		tok, err := x.next()
		if err == io.EOF {
			return s, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if x.ns() != nsW {
				continue
			}
			switch t.Name.Local {
			case "style":
				id, cur = "", styleNum{}
				if attr(t, nsW, "type") == "paragraph" {
					id = attr(t, nsW, "styleId")
				}
			case "basedOn":
				cur.basedOn = attr(t, nsW, "val")
			case "numId":
				if x.up(1).local == "numPr" && x.up(2).local == "pPr" {
					cur.numID = attr(t, nsW, "val")
				}
			case "ilvl":
				if x.up(1).local == "numPr" && x.up(2).local == "pPr" {
					cur.ilvl = attr(t, nsW, "val")
				}
			}
		case xml.EndElement:
			if t.Name.Local == "style" && id != "" && len(s) < maxNumDefs {
				s[id] = cur
				id = ""
			}
		}
	}
}

// lookup returns the numbering of a paragraph style, following basedOn.
func (s styleNumbering) lookup(style string) (numID string, ilvl int) {
	ilvlS := ""
	for i := 0; i < 16 && style != ""; i++ {
		st, ok := s[style]
		if !ok {
			break
		}
		if ilvlS == "" {
			ilvlS = st.ilvl
		}
		if st.numID != "" {
			numID = st.numID
			break
		}
		style = st.basedOn
	}
	ilvl, _ = strconv.Atoi(ilvlS)
	return numID, ilvl
}
