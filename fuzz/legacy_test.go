package fuzz

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mugai/mugai/internal/testinput/officetest"
	"github.com/mugai/mugai/sanitize/flatten"
	"github.com/mugai/mugai/sanitize/office"
)

// legacyTemplates are the legacy Office files FuzzLegacyOffice swaps one
// stream of: the input becomes that stream's data inside a valid compound
// file, so an execution is spent in the Word, Excel or PowerPoint reader
// rather than failing on the compound file's structure.
func legacyTemplates() []struct {
	streams []officetest.Stream
	swap    string
} {
	doc := officetest.DocStreams(officetest.Word{
		Text:     "本文です。\rcell\acell\a\a\x13 DDEAUTO x \x14r\x15\r",
		Headers:  "header\r",
		Comments: "comment\r",
	})
	xls := officetest.XLSStreams(officetest.Book{Sheets: []officetest.Sheet{
		{Name: "見積", Rows: [][]any{{"品名", 1, 2.5, true, officetest.Date(45000), officetest.Formula{Result: "r"}}}, Notes: []string{"note"}},
		{Name: "M", Type: 1},
	}, SSTChunk: 12})
	ppt := officetest.PPTStreams(officetest.Presentation{Slides: []officetest.Slide{
		{Title: "題名", Body: "本文\rline", Box: "box", Notes: "notes"},
	}, VBA: true})
	return []struct {
		streams []officetest.Stream
		swap    string
	}{
		{doc, "WordDocument"}, {doc, "1Table"}, {xls, "Workbook"}, {ppt, "PowerPoint Document"}, {ppt, "Current User"},
	}
}

// FuzzLegacyOffice feeds office.Extract legacy .doc, .xls and .ppt files.
// The first byte picks the mode: one stream of a valid file replaced by
// the input (the WordDocument or table stream of a .doc, the Workbook of
// an .xls, the PowerPoint Document or Current User of a .ppt), or a whole
// file (compound files built here and from the corpus). Whatever the
// input: no panic, bounded time, the limits hold, and the text is clean
// UTF-8 within OutputBytes with Removed sorted and unique.
func FuzzLegacyOffice(f *testing.F) {
	templates := legacyTemplates()
	for i, tp := range templates {
		for _, s := range tp.streams {
			if s.Path == tp.swap {
				f.Add(byte(i), s.Data)
			}
		}
	}
	whole := byte(len(templates))
	for _, tp := range templates {
		f.Add(whole, officetest.CompoundFile(tp.streams...))
	}
	f.Add(whole, officetest.Word95(0x0411, []byte("\x8c\xa9\x90\xcf\x8f\x91\r")))
	for _, s := range corpusAttachments(f, flatten.KindDOC, flatten.KindXLS, flatten.KindPPT, flatten.KindOLE) {
		f.Add(whole, s)
	}
	lim := office.Limits{Entries: 200, EntryBytes: 1 << 20, TotalBytes: 4 << 20, Ratio: office.DefaultRatio, OutputBytes: 64 << 10}
	f.Fuzz(func(t *testing.T, mode byte, in []byte) {
		data := in
		if m := int(mode) % (len(templates) + 1); m < len(templates) {
			tp := templates[m]
			streams := make([]officetest.Stream, len(tp.streams))
			copy(streams, tp.streams)
			for i := range streams {
				if streams[i].Path == tp.swap {
					streams[i].Data = in
				}
			}
			data = officetest.CompoundFile(streams...)
		}
		start := time.Now()
		res, err := office.Extract(context.Background(), data, "", lim)
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("Extract took %v on %d bytes", d, len(data))
		}
		checkOffice(t, res, err, lim)
		if err == nil && !bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}) && office.Detect(data) == office.KindNone {
			t.Fatalf("converted what Detect rejected")
		}
		if errors.Is(err, office.ErrUnsupported) && office.Detect(data) != office.KindNone && office.Detect(data) != office.KindDOC {
			// (Word 2.0 and older FIBs are unsupported .doc files.)
			t.Fatalf("a legacy file Detect accepts became unsupported: %v", err)
		}
	})
}
