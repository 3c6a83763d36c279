package pdftext

// Advance widths (in thousandths of an em) of the printable ASCII glyphs
// of the standard fonts (§9.6.2.2), for files that use them without a
// /Widths array. They come from the fonts' published metrics; the bold and
// oblique faces differ by a few percent, which does not matter for telling
// a word gap from a letter gap, so one table serves each family.

// helveticaWidths covers Helvetica (and Arial, its metric clone), 0x20-0x7E.
var helveticaWidths = [95]uint16{
	278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space - /
	556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0 - ?
	1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ - O
	667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P - _
	333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // ` - o
	556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p - ~
}

// timesWidths covers Times-Roman, 0x20-0x7E.
var timesWidths = [95]uint16{
	250, 333, 408, 500, 500, 833, 778, 180, 333, 333, 500, 564, 250, 333, 250, 278, // space - /
	500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 278, 278, 564, 564, 564, 444, // 0 - ?
	921, 722, 667, 667, 722, 611, 556, 722, 722, 333, 389, 722, 611, 889, 722, 722, // @ - O
	556, 722, 667, 556, 611, 722, 722, 944, 722, 722, 611, 333, 278, 333, 469, 500, // P - _
	333, 444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500, 278, 778, 500, 500, // ` - o
	500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444, 480, 200, 480, 541, // p - ~
}

type stdFamily uint8

const (
	famHelvetica stdFamily = iota
	famTimes
	famCourier
	famSymbol
)

// stdWidth estimates the width of a character in a standard font without
// /Widths. Characters outside ASCII get the family's typical width.
func stdWidth(fam stdFamily, r rune) float64 {
	switch fam {
	case famCourier:
		return 600
	case famTimes:
		if r >= 0x20 && r <= 0x7E {
			return float64(timesWidths[r-0x20])
		}
		return 500
	case famSymbol:
		return 550
	}
	if r >= 0x20 && r <= 0x7E {
		return float64(helveticaWidths[r-0x20])
	}
	return 556
}
