package pdftext

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzExtract feeds generated documents, mutated, to Extract with small
// limits. A panic inside the reader is recovered by Extract and reported
// as errInternal, which fails the target; so do invalid UTF-8, control
// characters in the text, and output over the limit.
//
//	go test ./sanitize/pdftext -run XXX -fuzz FuzzExtract -fuzztime 5m
//
// Inputs that failed once are kept in testdata/fuzz/FuzzExtract.
func FuzzExtract(f *testing.F) {
	for _, seed := range fuzzSeeds() {
		f.Add(seed)
	}
	lim := Limits{Pages: 50, Depth: 16, StreamBytes: 1 << 20, TotalBytes: 8 << 20, OutputBytes: 64 << 10}
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		res, err := Extract(ctx, data, lim)
		if errors.Is(err, errInternal) {
			t.Fatalf("panic: %v", err)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("took over 10 s")
		}
		if !utf8.ValidString(res.Text) {
			t.Fatalf("invalid UTF-8 in text")
		}
		if int64(len(res.Text)) > lim.OutputBytes {
			t.Fatalf("text of %d bytes over the limit", len(res.Text))
		}
		for _, r := range res.Text {
			if r < 0x20 && r != '\n' || r >= 0x7f && r < 0xa0 || r == 0xFFFD {
				t.Fatalf("control character %U in text", r)
			}
		}
	})
}

// FuzzContent wraps the input as the content stream of a page and as the
// ToUnicode CMap of a composite font, so that mutations reach the content
// interpreter and the CMap parser instead of failing on the file structure.
func FuzzContent(f *testing.F) {
	f.Add([]byte("BT /F1 12 Tf 72 700 Td [(Hello) -250 (World)] TJ T* (x) ' ET"), []byte("1 begincodespacerange <0000> <FFFF> endcodespacerange 1 beginbfrange <0001> <0003> [<0041> <D842DFB7> <0066006C>] endbfrange"))
	f.Add([]byte("q 1 0 0 1 5 5 cm BT /F2 9 Tf 0 1 -1 0 9 9 Tm <000100020003> Tj ET Q BI /W 1 /H 1 ID \x00 EI /Span <</ActualText (a)>> BDC EMC"), []byte("2 beginbfchar <0001> <304A> <0002> /space endbfchar"))
	lim := Limits{Pages: 5, StreamBytes: 1 << 20, TotalBytes: 4 << 20, OutputBytes: 16 << 10}
	f.Fuzz(func(t *testing.T, content, cmap []byte) {
		objs := onePage(string(content))
		objs[2] = "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>"
		objs = append(objs,
			"<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H /DescendantFonts [7 0 R] /ToUnicode 8 0 R >>",
			"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /X /DW 1000 /W [1 [500 600] 3 9 700] >>",
			streamObj("", cmap))
		res, err := Extract(context.Background(), assemble(objs, "/Root 1 0 R"), lim)
		if errors.Is(err, errInternal) {
			t.Fatalf("panic: %v", err)
		}
		if !utf8.ValidString(res.Text) || int64(len(res.Text)) > lim.OutputBytes {
			t.Fatalf("bad text: %d bytes", len(res.Text))
		}
	})
}

// fuzzSeeds are small documents covering each reader path.
func fuzzSeeds() [][]byte {
	short := [][]string{{"Hello World", "second line"}}
	seeds := [][]byte{
		latinDoc(short, styleTj, genOpts{}),
		latinDoc(short, styleTJ, genOpts{compress: true}),
		latinDoc(short, styleGlyphs, genOpts{}),
		latinDoc(short, styleQuote, genOpts{objStm: true}),
		latinDoc(short, styleTj, genOpts{crypt: cryptRC4}),
		latinDoc(short, styleTj, genOpts{crypt: cryptAESV2}),
		latinDoc(short, styleTj, genOpts{crypt: cryptAESV3}),
		japaneseDoc(japaneseLines[:2], genOpts{}, false),
		japaneseDoc(japaneseLines[:2], genOpts{}, true),
		cid0Doc("/UniJIS-UTF16-H", "", "BT /F1 12 Tf 72 700 Td <D842DFB7304A> Tj ET"),
		contentDoc("BT /F1 12 Tf 72 700 Td /Span << /ActualText <FEFF0066> >> BDC (x) Tj EMC [(a) -300 (b)] TJ ET BI /W 1 /H 1 ID \x00 EI"),
		assemble([]string{
			"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (x) >> >>",
			"<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> /XObject << /X 6 0 R >> >> >>",
			streamObj("", []byte("BT /F1 12 Tf (p) Tj ET /X Do")),
			"<< /Type /Font /Subtype /Type1 /BaseFont /X /Encoding << /Differences [32 /space /uni3042] >> >>",
			streamObj("/Subtype /Form /Resources << /Font << /F1 5 0 R >> >>", []byte("BT /F1 12 Tf (form) Tj ET")),
		}, "/Root 1 0 R"),
	}
	// One with a broken table, to reach the reconstruction.
	seeds = append(seeds, bytes.Replace(latinDoc(short, styleTj, genOpts{}), []byte("xref"), []byte("xxxx"), 1))
	return seeds
}

func BenchmarkExtract(b *testing.B) {
	for _, bc := range []struct {
		name string
		doc  []byte
	}{
		{"prose-200p", proseDoc(200, genOpts{compress: true})},
		{"prose-200p-objstm", proseDoc(200, genOpts{objStm: true})},
		{"japanese-100p", japaneseDoc(repeatLines(japaneseLines, 40), genOpts{compress: true}, false)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.doc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Extract(context.Background(), bc.doc, Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func repeatLines(lines []string, n int) []string {
	var out []string
	for range n {
		out = append(out, lines...)
	}
	return out
}
