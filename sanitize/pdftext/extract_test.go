package pdftext

import (
	"bytes"
	"compress/lzw"
	"compress/zlib"
	"context"
	"encoding/ascii85"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mugai/mugai/internal/testinput/pdftest"
)

func extractT(t *testing.T, data []byte, lim Limits) (Result, error) {
	t.Helper()
	writeSample(t, t.Name(), data)
	res, err := Extract(context.Background(), data, lim)
	if !utf8.ValidString(res.Text) {
		t.Errorf("text is not valid UTF-8: %q", res.Text)
	}
	return res, err
}

func mustText(t *testing.T, data []byte) string {
	t.Helper()
	res, err := extractT(t, data, Limits{})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	return res.Text
}

var latinLines = []string{
	"Hello World café naïve",
	"second line with words",
	"third: Größe 12.5% (done)",
}

func TestLatinStyles(t *testing.T) {
	want := strings.Join(latinLines, "\n")
	styles := map[string]latinStyle{"Tj": styleTj, "TJ": styleTJ, "words": styleWords, "glyphs": styleGlyphs, "quote": styleQuote}
	for name, st := range styles {
		for _, o := range []genOpts{{}, {compress: true}, {objStm: true}} {
			t.Run(fmt.Sprintf("%s/%+v", name, o), func(t *testing.T) {
				if got := mustText(t, latinDoc([][]string{latinLines}, st, o)); got != want {
					t.Errorf("got  %q\nwant %q", got, want)
				}
			})
		}
	}
}

func TestPagesSeparatedByBlankLine(t *testing.T) {
	doc := latinDoc([][]string{{"page one"}, {"page two"}, {}, {"page four"}}, styleTj, genOpts{})
	res, err := extractT(t, doc, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "page one\n\npage two\n\npage four"; res.Text != want {
		t.Errorf("got %q, want %q", res.Text, want)
	}
	if res.Pages != 4 {
		t.Errorf("Pages = %d, want 4", res.Pages)
	}
}

func TestJapanese(t *testing.T) {
	want := strings.Join(japaneseLines, "\n")
	for _, tc := range []struct {
		name     string
		o        genOpts
		vertical bool
	}{
		{"identity-h", genOpts{}, false},
		{"identity-h/flate", genOpts{compress: true}, false},
		{"identity-h/objstm", genOpts{objStm: true}, false},
		{"identity-h/aes", genOpts{compress: true, crypt: cryptAESV2}, false},
		{"identity-v", genOpts{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := mustText(t, japaneseDoc(japaneseLines, tc.o, tc.vertical)); got != want {
				t.Errorf("got  %q\nwant %q", got, want)
			}
		})
	}
}

// cid0Doc is a one-page document with a Type0 font: enc is its /Encoding,
// tu the ToUnicode CMap ("" for none) and content the page content.
func cid0Doc(enc, tu, content string) []byte {
	objs := pdftest.OnePage(content)
	font := "<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding " + enc + " /DescendantFonts [6 0 R]"
	if tu != "" {
		font += " /ToUnicode 7 0 R"
	}
	objs[4] = font + " >>"
	objs = append(objs, "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /X /CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 6 >> /DW 1000 >>")
	if tu != "" {
		objs = append(objs, pdftest.Stream("", []byte(tu)))
	}
	return pdftest.Assemble(objs, "/Root 1 0 R")
}

func TestToUnicodeForms(t *testing.T) {
	cmap := func(body string) string {
		return "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n1 begincodespacerange <0000> <FFFF> endcodespacerange\n" + body + "\nendcmap CMapName currentdict /CMap defineresource pop end end"
	}
	for _, tc := range []struct {
		name, enc, tu, content, want string
	}{
		{"bfchar", "/Identity-H", cmap("2 beginbfchar <0001> <304A> <0002> <4E16> endbfchar"), "BT /F1 12 Tf 72 700 Td <00010002> Tj ET", "お世"},
		{"bfrange string", "/Identity-H", cmap("1 beginbfrange <0010> <0015> <3042> endbfrange"), "BT /F1 12 Tf 72 700 Td <001000120015> Tj ET", "あいぇ"},
		{"bfrange array", "/Identity-H", cmap("1 beginbfrange <0020> <0022> [<2460> <3231> <0066006C>] endbfrange"), "BT /F1 12 Tf 72 700 Td <002000210022> Tj ET", "①㈱fl"},
		{"surrogate pair", "/Identity-H", cmap("1 beginbfchar <0001> <D842DFB7> endbfchar 1 beginbfrange <0002> <0003> <D842DFB7> endbfrange"), "BT /F1 12 Tf 72 700 Td <000100020003> Tj ET", "𠮷𠮷𠮸"},
		{"ucs2 without ToUnicode", "/UniJIS-UCS2-H", "", "BT /F1 12 Tf 72 700 Td <304A4E16> Tj ET", "お世"},
		{"utf16 surrogates", "/UniJIS-UTF16-H", "", "BT /F1 12 Tf 72 700 Td <D842DFB7304A> Tj ET", "𠮷お"},
		{"sjis with ToUnicode", "/90ms-RKSJ-H", "/CIDInit /ProcSet findresource begin begincmap 1 begincodespacerange <00> <FF> endcodespacerange 2 beginbfchar <82A0> <3042> <41> <0041> endbfchar endcmap end", "BT /F1 12 Tf 72 700 Td <82A041> Tj ET", "あA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := mustText(t, cid0Doc(tc.enc, tc.tu, tc.content)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// contentDoc is a page drawing content with Helvetica/WinAnsi (no /Widths,
// so the standard metrics apply) as /F1.
func contentDoc(content string) []byte {
	return pdftest.Assemble(pdftest.OnePage(content), "/Root 1 0 R")
}

func TestSpacingAndLines(t *testing.T) {
	for _, tc := range []struct {
		name, content, want string
	}{
		{"TJ word gap", "BT /F1 12 Tf 72 700 Td [(Hello) -250 (World)] TJ ET", "Hello World"},
		{"TJ kerning", "BT /F1 12 Tf 72 700 Td [(W) 80 (or) -40 (d)] TJ ET", "Word"},
		{"TJ small gap", "BT /F1 12 Tf 72 700 Td [(Hel) -150 (lo)] TJ ET", "Hello"},
		{"TJ gap at threshold", "BT /F1 12 Tf 72 700 Td [(to) -200 (be)] TJ ET", "to be"},
		{"Td gap is a space", "BT /F1 12 Tf 72 700 Td (Hello) Tj 40 0 Td (World) Tj ET", "Hello World"},
		{"Td touching is not", "BT /F1 12 Tf 72 700 Td (Hello) Tj 27.4 0 Td (World) Tj ET", "HelloWorld"},
		{"Td down is a line", "BT /F1 12 Tf 72 700 Td (one) Tj 0 -14 Td (two) Tj ET", "one\ntwo"},
		{"TD sets leading", "BT /F1 12 Tf 72 700 Td (one) Tj 0 -14 TD (two) Tj T* (three) Tj ET", "one\ntwo\nthree"},
		{"T* and TL", "BT /F1 12 Tf 14 TL 72 700 Td (one) Tj T* (two) Tj ET", "one\ntwo"},
		{"quote ops", "BT /F1 12 Tf 14 TL 72 700 Td (one) Tj (two) ' 1 0 (three) \" ET", "one\ntwo\nthree"},
		{"Tm new line", "BT /F1 12 Tf 1 0 0 1 72 700 Tm (one) Tj 1 0 0 1 72 686 Tm (two) Tj ET", "one\ntwo"},
		{"paragraph gap", "BT /F1 12 Tf 72 700 Td (one) Tj 0 -60 Td (two) Tj ET", "one\n\ntwo"},
		{"double spacing", "BT /F1 12 Tf 28 TL 72 700 Td (one) Tj T* (two) Tj T* (three) Tj 0 -70 Td (four) Tj ET", "one\ntwo\nthree\n\nfour"},
		{"separate BT blocks", "BT /F1 12 Tf 72 700 Td (same) Tj ET BT /F1 12 Tf 105 700 Td (line) Tj ET", "same line"},
		{"superscript stays", "BT /F1 12 Tf 72 700 Td (x) Tj 4 Ts (2) Tj 0 Ts ( y) Tj ET", "x2 y"},
		{"word spacing", "BT /F1 12 Tf 5 Tw 72 700 Td (a b) Tj ET", "a b"},
		{"spaces collapse", "BT /F1 12 Tf 72 700 Td (a   b) Tj ET", "a b"},
		{"scaled by cm", "q 2 0 0 2 0 0 cm BT /F1 6 Tf 36 350 Td [(big) -300 (text)] TJ ET Q", "big text"},
		{"rotated page text", "BT /F1 12 Tf 0 1 -1 0 300 100 Tm [(up) -300 (wards)] TJ 0 1 -1 0 286 100 Tm (next) Tj ET", "up wards\nnext"},
		{"backwards jump", "BT /F1 12 Tf 1 0 0 1 300 700 Tm (right) Tj 1 0 0 1 72 700 Tm (left) Tj ET", "right\nleft"},
		{"text outside BT", "/F1 12 Tf (loose) Tj", "loose"},
		{"q Q restore font", "BT /F1 12 Tf 72 700 Td q /F9 12 Tf Q (kept) Tj ET", "kept"},
		{"unknown font", "BT /F9 12 Tf 72 700 Td (lost) Tj ET /F1 12 Tf BT 72 680 Td (found) Tj ET", "found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := mustText(t, contentDoc(tc.content)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSimpleFontEncodings(t *testing.T) {
	for _, tc := range []struct {
		name, font, content, want string
	}{
		{"WinAnsi", pdftest.Helvetica, `BT /F1 12 Tf 72 700 Td (caf\351 \223q\224 \200 \226) Tj ET`, "café “q” € –"},
		{"MacRoman", "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /Encoding /MacRomanEncoding >>", `BT /F1 12 Tf 72 700 Td (caf\216 \245 \322q\323) Tj ET`, "café • “q”"},
		{"Standard default", "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>", `BT /F1 12 Tf 72 700 Td (it\047s \252ok\272 \256x) Tj ET`, "it’s “ok” fix"},
		{"Differences", "<< /Type /Font /Subtype /Type1 /BaseFont /ABCDEF+Custom /Encoding << /BaseEncoding /WinAnsiEncoding /Differences [65 /uni3042 /germandbls 97 /eacute /f_f_i /udieresis.sc /u1F600 /g123] >> >>",
			"BT /F1 12 Tf 72 700 Td (ABabcdeg) Tj ET", "あßéffiü😀eg"},
		{"Differences without base", "<< /Type /Font /Subtype /Type1 /BaseFont /Custom /Encoding << /Differences [1 /H /e /l /l /o /space /W /o /r /l /d] >> >>",
			`BT /F1 12 Tf 72 700 Td (\001\002\003\004\005\006\007\010\011\012\013) Tj ET`, "Hello World"},
		{"Symbol", "<< /Type /Font /Subtype /Type1 /BaseFont /Symbol >>", `BT /F1 12 Tf 72 700 Td (abg \267 \245) Tj ET`, "αβγ • ∞"},
		{"ligature spelled out", "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>", `BT /F1 12 Tf 72 700 Td (\256nd \257ow) Tj ET`, "find flow"},
		{"Type 3", "<< /Type /Font /Subtype /Type3 /FontMatrix [0.01 0 0 0.01 0 0] /FontBBox [0 -20 100 80] /CharProcs << >> /Encoding << /Differences [97 /a /b] >> /FirstChar 97 /LastChar 98 /Widths [50 50] >>",
			"BT /F1 12 Tf 72 700 Td [(ab) -300 (ba) -50 (ab)] TJ ET", "ab baab"},
		// A Type 3 font with a loose /FontBBox (three ems high): word gaps
		// of 0.3 em are still word gaps (issue 15: Type 3 fonts lost
		// their word spacing).
		{"Type 3 loose bbox", "<< /Type /Font /Subtype /Type3 /FontMatrix [0.001 0 0 0.001 0 0] /FontBBox [-200 -1000 1500 2000] /CharProcs << >> /Encoding << /Differences [97 /a /b 109 /m] >> /FirstChar 97 /LastChar 109 /Widths [500 500 0 0 0 0 0 0 0 0 0 0 833] >>",
			"BT /F1 10 Tf 72 700 Td [(mab) -300 (bam) -300 (ab)] TJ ET", "mab bam ab"},
		{"controls dropped", pdftest.Helvetica, `BT /F1 12 Tf 72 700 Td (a\000b\033c\177d) Tj ET`, "abcd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs := pdftest.OnePage(tc.content)
			objs[4] = tc.font
			if got := mustText(t, pdftest.Assemble(objs, "/Root 1 0 R")); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSimpleFontToUnicode(t *testing.T) {
	objs := pdftest.OnePage("BT /F1 12 Tf 72 700 Td (ABC) Tj ET")
	objs[4] = "<< /Type /Font /Subtype /TrueType /BaseFont /Custom /FirstChar 65 /LastChar 67 /Widths [500 500 500] /ToUnicode 6 0 R >>"
	objs = append(objs, pdftest.Stream("", []byte("begincmap 1 begincodespacerange <00> <FF> endcodespacerange 1 beginbfrange <41> <43> <65E5> endbfrange endcmap")))
	if got, want := mustText(t, pdftest.Assemble(objs, "/Root 1 0 R")), "日旦旧"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestActualTextAndForms(t *testing.T) {
	// Marked content with /ActualText replaces the glyphs (§14.9.4); a
	// Form XObject's text is part of the page (§8.10).
	objs := pdftest.OnePage("BT /F1 12 Tf 72 700 Td /Span << /ActualText <FEFF0066006F006F> >> BDC (xyz) Tj EMC ( bar) Tj ET /Fm1 Do")
	objs[2] = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> /XObject << /Fm1 6 0 R /Im1 7 0 R >> >> >>"
	objs = append(objs,
		pdftest.Stream("/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Matrix [1 0 0 1 0 -100]", []byte("BT /F1 12 Tf 72 700 Td (in the form) Tj ET /Im1 Do")),
		pdftest.Stream("/Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8", []byte{0}))
	if got, want := mustText(t, pdftest.Assemble(objs, "/Root 1 0 R")), "foo bar\n\nin the form"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestInlineImageSkipped(t *testing.T) {
	content := "BT /F1 12 Tf 72 700 Td (before) Tj ET\nBI /W 4 /H 4 /CS /G /BPC 8 ID\n(fake) Tj BT ET \x00\xff EI\nBT /F1 12 Tf 72 680 Td (after) Tj ET"
	if got, want := mustText(t, contentDoc(content)), "before\nafter"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	content = "BT /F1 12 Tf 72 700 Td (before) Tj ET\nBI /W 2 /H 2 /BPC 8 /L 8 ID\nEI EI EI\nEI\nBT /F1 12 Tf 72 680 Td (after) Tj ET"
	if got, want := mustText(t, contentDoc(content)), "before\nafter"; got != want {
		t.Errorf("with /L: got %q, want %q", got, want)
	}
}

func TestFilters(t *testing.T) {
	content := []byte("BT /F1 12 Tf 72 700 Td (filtered text) Tj ET")
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(content)
	zw.Close()
	var lz bytes.Buffer
	lw := lzw.NewWriter(&lz, lzw.MSB, 8)
	lw.Write(content)
	lw.Close()
	a85 := make([]byte, ascii85.MaxEncodedLen(len(content)))
	a85 = append(a85[:ascii85.Encode(a85, content)], "~>"...)
	// PNG "Up" predictor rows of 4 columns over the content (§7.4.4.4).
	var png bytes.Buffer
	prev := make([]byte, 4)
	for i := 0; i < len(content); i += 4 {
		row := make([]byte, 4)
		copy(row, content[i:min(len(content), i+4)])
		png.WriteByte(2)
		for k := range row {
			png.WriteByte(row[k] - prev[k])
		}
		prev = row
	}
	var zpng bytes.Buffer
	zw = zlib.NewWriter(&zpng)
	zw.Write(png.Bytes())
	zw.Close()
	rle := []byte{byte(len(content) - 1)}
	rle = append(append(rle, content...), 128)
	for _, tc := range []struct {
		name, dict string
		data       []byte
	}{
		{"flate", "/Filter /FlateDecode", z.Bytes()},
		{"flate raw deflate", "/Filter /FlateDecode", z.Bytes()[2:]},
		{"lzw late change", "/Filter /LZWDecode /DecodeParms << /EarlyChange 0 >>", lz.Bytes()},
		{"ascii85+flate", "/Filter [/ASCII85Decode /FlateDecode]", ascii85Of(z.Bytes())},
		{"ascii85", "/Filter /ASCII85Decode", a85},
		{"asciihex", "/Filter /ASCIIHexDecode", []byte(fmt.Sprintf("%x>", content))},
		{"runlength", "/Filter /RunLengthDecode", rle},
		{"png predictor", "/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 4 >>", zpng.Bytes()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs := pdftest.OnePage("")
			objs[3] = pdftest.Stream(tc.dict, tc.data)
			if got, want := mustText(t, pdftest.Assemble(objs, "/Root 1 0 R")), "filtered text"; got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func ascii85Of(b []byte) []byte {
	out := make([]byte, ascii85.MaxEncodedLen(len(b)))
	return append(out[:ascii85.Encode(out, b)], "~>"...)
}

func TestLZWEarlyChange(t *testing.T) {
	// Long enough input to pass the 511-code boundary, where early and
	// late change differ.
	var in []byte
	for i := 0; len(in) < 6000; i++ {
		in = append(in, fmt.Sprintf("%d,", i*i%977)...)
	}
	got, err := lzwDecode(lzwEncodeEarly(in), true, 1<<20)
	if err != nil || !bytes.Equal(got, in) {
		t.Fatalf("early change: %v, equal=%v", err, bytes.Equal(got, in))
	}
	var lz bytes.Buffer
	w := lzw.NewWriter(&lz, lzw.MSB, 8)
	w.Write(in)
	w.Close()
	got, err = lzwDecode(lz.Bytes(), false, 1<<20)
	if err != nil || !bytes.Equal(got, in) {
		t.Fatalf("late change: %v, equal=%v", err, bytes.Equal(got, in))
	}
}

// lzwEncodeEarly is a plain LZW encoder with PDF's early change.
func lzwEncodeEarly(in []byte) []byte {
	var out []byte
	var acc uint32
	bits := 0
	width := 9
	put := func(code int) {
		acc = acc<<width | uint32(code)
		bits += width
		for bits >= 8 {
			out = append(out, byte(acc>>(bits-8)))
			bits -= 8
		}
	}
	dict := map[string]int{}
	next := 258
	put(256)
	w := ""
	for _, c := range in {
		wc := w + string(c)
		if _, ok := dict[wc]; ok || len(wc) == 1 {
			w = wc
			continue
		}
		if len(w) == 1 {
			put(int(w[0]))
		} else {
			put(dict[w])
		}
		dict[wc] = next
		next++
		if next >= 1<<width && width < 12 {
			width++
		}
		if next >= 4094 {
			put(256)
			dict = map[string]int{}
			next, width = 258, 9
		}
		w = string(c)
	}
	if len(w) == 1 {
		put(int(w[0]))
	} else if w != "" {
		put(dict[w])
	}
	put(257)
	if bits > 0 {
		out = append(out, byte(acc<<(8-bits)))
	}
	return out
}

func TestEncrypted(t *testing.T) {
	for _, m := range []cryptMethod{cryptRC4, cryptAESV2, cryptAESV3} {
		t.Run(fmt.Sprint(m), func(t *testing.T) {
			doc := latinDoc([][]string{latinLines}, styleTj, genOpts{compress: true, crypt: m})
			if got, want := mustText(t, doc), strings.Join(latinLines, "\n"); got != want {
				t.Errorf("empty password: got %q, want %q", got, want)
			}
			doc = latinDoc([][]string{latinLines}, styleTj, genOpts{compress: true, crypt: m, userPw: "secret"})
			if _, err := extractT(t, doc, Limits{}); !errors.Is(err, ErrEncrypted) {
				t.Errorf("user password: err = %v, want ErrEncrypted", err)
			}
		})
	}
	t.Run("public key handler", func(t *testing.T) {
		objs := append(pdftest.OnePage("BT /F1 12 Tf 72 700 Td (x) Tj ET"), "<< /Filter /Adobe.PubSec /V 4 /R 4 >>")
		if _, err := extractT(t, pdftest.Assemble(objs, "/Root 1 0 R /Encrypt 6 0 R /ID [<00> <00>]"), Limits{}); !errors.Is(err, ErrEncrypted) {
			t.Errorf("err = %v, want ErrEncrypted", err)
		}
	})
}

func TestNoText(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  []byte
	}{
		{"vector art", contentDoc("0 0 m 100 100 l S 10 10 50 50 re f")},
		{"empty page", contentDoc("")},
		{"identity-h without ToUnicode or collection", bytes.Replace(cid0Doc("/Identity-H", "", "BT /F1 12 Tf 72 700 Td <00010002> Tj ET"), []byte("(Japan1)"), []byte("(Identity)"), 1)},
		{"no pages", pdftest.Assemble([]string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"}, "/Root 1 0 R")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := extractT(t, tc.doc, Limits{}); !errors.Is(err, ErrNoText) {
				t.Errorf("err = %v, want ErrNoText", err)
			}
		})
	}
}

func TestPageLimit(t *testing.T) {
	doc := proseDoc(30, genOpts{compress: true})
	res, err := extractT(t, doc, Limits{Pages: 7})
	if err != nil {
		t.Fatal(err)
	}
	if res.Pages != 7 || !res.Truncated {
		t.Errorf("Pages = %d, Truncated = %v; want 7, true", res.Pages, res.Truncated)
	}
	res, err = extractT(t, doc, Limits{Pages: 30})
	if err != nil || res.Pages != 30 || res.Truncated {
		t.Errorf("all pages: Pages = %d, Truncated = %v, err = %v", res.Pages, res.Truncated, err)
	}
}

func TestOutputLimit(t *testing.T) {
	doc := japaneseDoc(japaneseLines, genOpts{}, false)
	full := mustText(t, doc)
	for _, n := range []int64{1, 7, 20, 41, int64(len(full) - 1)} {
		res, err := extractT(t, doc, Limits{OutputBytes: n})
		if err != nil {
			t.Fatalf("OutputBytes %d: %v", n, err)
		}
		if int64(len(res.Text)) > n || !res.Truncated || !strings.HasPrefix(full, res.Text) {
			t.Errorf("OutputBytes %d: len %d, Truncated %v, text %q", n, len(res.Text), res.Truncated, res.Text)
		}
	}
	res, _ := extractT(t, doc, Limits{OutputBytes: int64(len(full))})
	if res.Truncated || res.Text != full {
		t.Errorf("exact fit: Truncated %v", res.Truncated)
	}
}

// countdownCtx reports cancellation after its Err method was asked n
// times: a cancellation that arrives in the middle of the work.
type countdownCtx struct {
	context.Context
	n int
}

func (c *countdownCtx) Err() error {
	c.n--
	if c.n < 0 {
		return context.Canceled
	}
	return nil
}

func TestContextCancel(t *testing.T) {
	doc := proseDoc(200, genOpts{compress: true})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Extract(ctx, doc, Limits{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before: err = %v", err)
	}
	res, err := Extract(&countdownCtx{Context: context.Background(), n: 50}, doc, Limits{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled during: err = %v", err)
	}
	if res.Pages == 0 || res.Pages >= 200 {
		t.Errorf("cancelled during: %d pages read", res.Pages)
	}
}

// panicCtx panics when asked for its error the n-th time: a fault deep
// inside the reader, where Extract checks the context between streams.
type panicCtx struct {
	context.Context
	n int
}

func (c *panicCtx) Err() error {
	c.n--
	if c.n < 0 {
		panic("injected fault")
	}
	return nil
}

func TestPanicRecovered(t *testing.T) {
	doc := proseDoc(20, genOpts{compress: true})
	for _, n := range []int{0, 3, 10} {
		_, err := Extract(&panicCtx{Context: context.Background(), n: n}, doc, Limits{})
		if !errors.Is(err, errInternal) || !strings.Contains(err.Error(), "injected fault") {
			t.Errorf("n=%d: err = %v, want a recovered internal error", n, err)
		}
	}
}

func TestNotPDF(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("hello"), []byte("%!PS-Adobe-3.0\n"), bytes.Repeat([]byte{0}, 5000)} {
		if _, err := extractT(t, data, Limits{}); err == nil || errors.Is(err, ErrNoText) {
			t.Errorf("%q: err = %v, want a format error", data[:min(len(data), 10)], err)
		}
	}
}

func TestDamagedStructure(t *testing.T) {
	good := latinDoc([][]string{latinLines}, styleTj, genOpts{compress: true})
	want := strings.Join(latinLines, "\n")
	for _, tc := range []struct {
		name string
		doc  []byte
	}{
		{"junk before header", append([]byte("Content-Type: application/pdf\r\n\r\n"), good...)},
		{"PDF 2.0 header", bytes.Replace(good, []byte("%PDF-1.7"), []byte("%PDF-2.0"), 1)},
		{"trailing junk", append(append([]byte{}, good...), bytes.Repeat([]byte("\x00"), 3000)...)},
		{"no startxref", good[:bytes.LastIndex(good, []byte("startxref"))]},
		{"xref offsets wrong", bytes.Replace(good, []byte("0000000015 00000 n"), []byte("0000000999 00000 n"), 1)},
		{"lf to crlf", bytes.ReplaceAll(latinDoc([][]string{latinLines}, styleTj, genOpts{}), []byte("\n"), []byte("\r\n"))},
		{"wrong Length", bytes.Replace(latinDoc([][]string{latinLines}, styleTj, genOpts{}), []byte("/Length "), []byte("/Length 1"), 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := mustText(t, tc.doc); got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}
