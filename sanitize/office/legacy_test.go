package office

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"

	"github.com/mugai/mugai/internal/testinput/officetest"
)

// Legacy binary documents built from the specifications by officetest.

func TestLegacyDetect(t *testing.T) {
	for _, tc := range []struct {
		data []byte
		want Kind
	}{
		{officetest.Doc(officetest.Word{Text: "x\r"}), KindDOC},
		{officetest.XLS(officetest.Book{Sheets: []officetest.Sheet{{Name: "S", Rows: [][]any{{"x"}}}}}), KindXLS},
		{officetest.PPT(officetest.Presentation{Slides: []officetest.Slide{{Title: "x"}}}), KindPPT},
		{officetest.CompoundFile(officetest.Stream{Path: "Book", Data: []byte{9, 8, 0, 0}}), KindXLS},
		{officetest.CompoundFile(officetest.Stream{Path: "SummaryInformation", Data: []byte("x")}), KindNone},
	} {
		if got := Detect(tc.data); got != tc.want {
			t.Errorf("Detect = %q, want %q", got, tc.want)
		}
	}
}

// TestWord97: the main text in two pieces (8-bit and UTF-16), Japanese,
// a table, a field (result shown, instruction not), line breaks, and the
// other parts under their headings; headers repeated per section shown
// once.
func TestWord97(t *testing.T) {
	for _, compressed := range []bool{false, true} {
		doc := officetest.Doc(officetest.Word{
			Text: "Dear customer,\rお世話になっております。①㈱\rline one\vline two\r" +
				"品名\a数量\a\aりんご\a10\a\a" +
				"See \x13 HYPERLINK \"https://example.jp/\" \x14our site\x15 today.\r" +
				"\x13 DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe \"/k calc\" \x14shown\x15\rlast\r",
			Footnotes:  "\x02 脚注です。\r",
			Headers:    "\r\rヘッダー\r\rヘッダー\r",
			Comments:   "\x05確認してください\r",
			Compressed: compressed,
		})
		res := extract(t, doc)
		checkText(t, res.Text, `Dear customer,
お世話になっております。①㈱
line one
line two
品名 | 数量
りんご | 10
See our site today.
shown
last

--- footnotes ---
脚注です。

--- headers and footers ---
ヘッダー

--- comments ---
確認してください
`)
		checkRemoved(t, res.Removed, "DDE field")
	}
}

func TestWord97Removed(t *testing.T) {
	doc := officetest.Doc(officetest.Word{Text: "text\r", Streams: []officetest.Stream{
		{Path: "Macros/VBA/dir", Data: []byte{1, 2, 3}},
		{Path: "ObjectPool/_1234/\x01Ole10Native", Data: []byte("MZ payload")},
	}})
	res := extract(t, doc)
	checkText(t, res.Text, "text\n")
	checkRemoved(t, res.Removed, "OLE object", "macro (VBA)")
	if strings.Contains(res.Text, "MZ") {
		t.Error("object data in the text")
	}

	enc := officetest.Doc(officetest.Word{Text: "secret\r", Encrypted: true})
	if _, err := Extract(context.Background(), enc, "", Limits{}); !errors.Is(err, ErrEncrypted) {
		t.Errorf("encrypted: %v", err)
	}
}

// TestWord95: a Word 6.0/95 document keeps its text in the code page of
// its language: Shift_JIS for Japanese.
func TestWord95(t *testing.T) {
	sjis, _ := japanese.ShiftJIS.NewEncoder().Bytes([]byte("見積書を送付します。\r表\rＡＢＣ\r"))
	checkText(t, extract(t, officetest.Word95(0x0411, sjis)).Text, "見積書を送付します。\n表\nＡＢＣ\n")
	checkText(t, extract(t, officetest.Word95(0x0409, []byte("caf\xe9\r"))).Text, "café\n")
}

// TestXLS: shared strings (also cut across CONTINUE records, in 8- and
// 16-bit parts), numbers, RK integers, dates, booleans, formula results,
// hidden sheets, macro sheets, text boxes; the encrypted workbook refused.
func TestXLS(t *testing.T) {
	long := strings.Repeat("長い文字列", 40) + "end"
	book := officetest.Book{
		Sheets: []officetest.Sheet{
			{Name: "見積", Rows: [][]any{
				{"品名", "数量", "金額", nil, "日付"},
				{"りんご", 10, 1234.5, nil, officetest.Date(45678)},
				{"Latin text only", -3, 0.1 + 0.2, true, officetest.Formula{Result: "計算結果"}},
				nil,
				{nil, nil, officetest.Formula{Result: 42.0}, officetest.Formula{Result: false}, long},
			}, Notes: []string{"メモ: 確認済み"}},
			{Name: "Hidden", Hidden: true, Rows: [][]any{{"secret row"}}},
			{Name: "Macro1", Type: 1, Rows: [][]any{{"=EXEC(\"calc\")"}}},
		},
		SSTChunk: 64,
	}
	res := extract(t, officetest.XLS(book))
	checkText(t, res.Text, `--- sheet: 見積 ---
品名	数量	金額		日付
りんご	10	1234.5		2025-01-21
Latin text only	-3	0.3	TRUE	計算結果
		42	FALSE	`+long+`

--- comments: 見積 ---
メモ: 確認済み

--- sheet: Hidden (hidden) ---
secret row
`)
	checkRemoved(t, res.Removed, "macro (Excel 4.0)")

	book.Encrypted = true
	if _, err := Extract(context.Background(), officetest.XLS(book), "", Limits{}); !errors.Is(err, ErrEncrypted) {
		t.Errorf("encrypted: %v", err)
	}
}

// TestPPT: slides in order with their placeholder text and text boxes,
// speaker notes, text of an older save not shown, a VBA project named.
func TestPPT(t *testing.T) {
	p := officetest.Presentation{
		Slides: []officetest.Slide{
			{Title: "令和6年度 事業計画", Body: "予算の概要\r主な取り組み", Box: "補足説明", Notes: "五分で説明する"},
			{Title: "Schedule", Body: "April\vMay"},
		},
		Stale: "old draft text",
		VBA:   true,
	}
	res := extract(t, officetest.PPT(p))
	checkText(t, res.Text, `--- slide 1 ---
令和6年度 事業計画
予算の概要
主な取り組み
補足説明

--- notes ---
五分で説明する

--- slide 2 ---
Schedule
April
May
`)
	checkRemoved(t, res.Removed, "macro (VBA)")

	p.Encrypted = true
	if _, err := Extract(context.Background(), officetest.PPT(p), "", Limits{}); !errors.Is(err, ErrEncrypted) {
		t.Errorf("encrypted: %v", err)
	}
}

// TestLegacyHostile: truncated and corrupted files end with an error or
// text, never a panic; a stream that claims more than the file holds is
// corrupt; limits hold.
func TestLegacyHostile(t *testing.T) {
	files := [][]byte{
		officetest.Doc(officetest.Word{Text: strings.Repeat("paragraph text\r", 200)}),
		officetest.XLS(officetest.Book{Sheets: []officetest.Sheet{{Name: "S", Rows: [][]any{{"a", 1, 2.5}}}}, SSTChunk: 16}),
		officetest.PPT(officetest.Presentation{Slides: []officetest.Slide{{Title: "t", Notes: "n"}}}),
	}
	for _, f := range files {
		for cut := 0; cut < len(f); cut += 97 {
			Extract(context.Background(), f[:cut], "", Limits{})
		}
		for i := 512; i < len(f); i += 61 {
			g := bytes.Clone(f)
			g[i] ^= 0xFF
			Extract(context.Background(), g, "", Limits{})
		}
	}
	// A small EntryBytes limit stops a large stream.
	big := officetest.Doc(officetest.Word{Text: strings.Repeat("x", 20000) + "\r"})
	_, err := Extract(context.Background(), big, "", Limits{EntryBytes: 4096})
	wantLimit(t, err, "EntryBytes")
	// The output limit cuts the text.
	res, err := Extract(context.Background(), big, "", Limits{OutputBytes: 100})
	if err != nil || !res.Truncated || len(res.Text) > 100 {
		t.Errorf("output limit: %d bytes, truncated %v, %v", len(res.Text), res.Truncated, err)
	}
}
