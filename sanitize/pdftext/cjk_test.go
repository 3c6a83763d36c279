package pdftext

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"

	"github.com/mugai/mugai/internal/testinput/pdftest"
)

// CJK fonts without a ToUnicode map (issue 15 item 1): predefined CMaps
// and character collections, and an embedded TrueType font's cmap.

// cidDoc is a one-page document whose font /F1 is a Type0 font with the
// given encoding over a descendant of the given ordering, drawing hex.
func cidDoc(enc, ordering, hex string) []byte {
	objs := pdftest.OnePage(fmt.Sprintf("BT /F1 12 Tf 72 700 Td <%s> Tj ET", hex))
	objs[4] = "<< /Type /Font /Subtype /Type0 /BaseFont /Ryumin-Light /Encoding " + enc + " /DescendantFonts [6 0 R] >>"
	objs = append(objs, "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /Ryumin-Light /CIDSystemInfo << /Registry (Adobe) /Ordering ("+
		ordering+") /Supplement 2 >> /FontDescriptor << /Type /FontDescriptor /FontName /Ryumin-Light /Flags 4 >> /DW 1000 >>")
	return pdftest.Assemble(objs, "/Root 1 0 R")
}

func encodeHex(t *testing.T, e encoding.Encoding, s string) string {
	t.Helper()
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%X", b)
}

func TestPredefinedCMaps(t *testing.T) {
	const ja = "見積書の送付について①"
	jis := func(s string) string {
		// ISO-2022-JP without its escapes: the two-byte JIS codes of H.
		h := encodeHex(t, japanese.ISO2022JP, s)
		return strings.TrimSuffix(strings.TrimPrefix(h, "1B2442"), "1B2842")
	}
	for _, tc := range []struct {
		name, enc, ordering, hex, want string
	}{
		{"90ms-RKSJ-H", "/90ms-RKSJ-H", "Japan1", encodeHex(t, japanese.ShiftJIS, "ABC "+ja), "ABC " + ja},
		{"90msp-RKSJ-H", "/90msp-RKSJ-H", "Japan1", encodeHex(t, japanese.ShiftJIS, "令和6年度 ﾊﾝｶｸ"), "令和6年度 ﾊﾝｶｸ"},
		{"90ms-RKSJ-V", "/90ms-RKSJ-V", "Japan1", encodeHex(t, japanese.ShiftJIS, "縦書き"), "縦書き"},
		{"EUC-H", "/EUC-H", "Japan1", encodeHex(t, japanese.EUCJP, "住民票の写し"), "住民票の写し"},
		{"H", "/H", "Japan1", jis("市役所"), "市役所"},
		{"Identity-H in Adobe-Japan1", "/Identity-H", "Japan1", "034B034D", "あい"},
		{"GBK-EUC-H", "/GBK-EUC-H", "GB1", encodeHex(t, simplifiedchinese.GBK, "中文文本"), "中文文本"},
		{"GB-EUC-H", "/GB-EUC-H", "GB1", encodeHex(t, simplifiedchinese.GBK, "中文"), "中文"},
		{"ETen-B5-H", "/ETen-B5-H", "CNS1", encodeHex(t, traditionalchinese.Big5, "繁體中文"), "繁體中文"},
		{"B5pc-H", "/B5pc-H", "CNS1", encodeHex(t, traditionalchinese.Big5, "臺灣"), "臺灣"},
		{"KSCms-UHC-H", "/KSCms-UHC-H", "Korea1", encodeHex(t, korean.EUCKR, "한국어 문서"), "한국어 문서"},
		{"KSC-EUC-H", "/KSC-EUC-H", "Korea1", encodeHex(t, korean.EUCKR, "서울"), "서울"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := mustText(t, cidDoc(tc.enc, tc.ordering, tc.hex)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestEmbeddedCMapUsesPredefined: an embedded encoding CMap that says
// "usecmap /90ms-RKSJ-H" and adds one code of its own.
func TestEmbeddedCMapUsesPredefined(t *testing.T) {
	cmap := "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /90ms-RKSJ-H usecmap\n" +
		"1 begincidchar <F040> 843 endcidchar endcmap CMapName currentdict /CMap defineresource pop end end"
	doc := cidDoc("7 0 R", "Japan1", encodeHex(t, japanese.ShiftJIS, "本文")+"F040")
	doc = pdftest.Assemble(append(pdftestObjects(doc), pdftest.Stream("", []byte(cmap))), "/Root 1 0 R")
	if got := mustText(t, doc); got != "本文あ" {
		t.Errorf("got %q", got)
	}
}

// pdftestObjects rebuilds the object list of a cidDoc, for a test that
// adds objects: the objects of cidDoc, in order.
func pdftestObjects(doc []byte) []string {
	var objs []string
	s := string(doc)
	for i := 1; ; i++ {
		start := strings.Index(s, fmt.Sprintf("\n%d 0 obj\n", i))
		if start < 0 {
			return objs
		}
		start += len(fmt.Sprintf("\n%d 0 obj\n", i))
		end := strings.Index(s[start:], "\nendobj\n")
		objs = append(objs, s[start:start+end])
	}
}

// TestTrueTypeCmapFallback: Identity-H over an embedded TrueType font with
// no ToUnicode and an Identity ordering: the glyphs' characters come from
// the font's own cmap, through /CIDToGIDMap (identity, then a stream).
func TestTrueTypeCmapFallback(t *testing.T) {
	prog := pdftest.TrueTypeWithCmap([]rune("申請書A"))
	for _, tc := range []struct {
		cidToGID, hex string
	}{
		{"/Identity", "0003000400050006"},
		{"8 0 R", "0000000100020003"},
	} {
		objs := pdftest.OnePage("BT /F1 12 Tf 72 700 Td <" + tc.hex + "> Tj ET")
		objs[4] = "<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+MSMincho /Encoding /Identity-H /DescendantFonts [6 0 R] >>"
		objs = append(objs,
			"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+MSMincho /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor << /Type /FontDescriptor /FontName /ABCDEF+MSMincho /FontFile2 7 0 R >> /CIDToGIDMap "+tc.cidToGID+" >>",
			pdftest.Stream("", prog),
			pdftest.Stream("", []byte{0, 3, 0, 4, 0, 5, 0, 6}))
		if got := mustText(t, pdftest.Assemble(objs, "/Root 1 0 R")); got != "申請書A" {
			t.Errorf("CIDToGIDMap %s: got %q", tc.cidToGID, got)
		}
	}
}
