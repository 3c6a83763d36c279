package pdftext

import (
	"strings"
	"testing"

	"github.com/mugai/mugai/internal/testinput/pdftest"
)

// TestFormsAndAnnotations (issue 15 item 2): form field values (text,
// inherited from a parent with a dotted name, a list box, a checkbox, a
// radio group shown once), a signature's appearance and signer, a
// free-text annotation's appearance, a stamp without appearance; hidden
// annotations, push buttons, links and their actions left out.
func TestFormsAndAnnotations(t *testing.T) {
	objs := pdftest.OnePage("BT /F1 12 Tf 72 700 Td (Application page text) Tj ET")
	objs[2] = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> " +
		"/Annots [6 0 R 7 0 R 9 0 R 10 0 R 11 0 R 12 0 R 13 0 R 14 0 R 15 0 R 16 0 R 18 0 R 19 0 R] >>"
	objs = append(objs,
		// 6: a text field with a Japanese value (UTF-16BE text string).
		"<< /Type /Annot /Subtype /Widget /FT /Tx /T (name) /TU <FEFF6C0F540D> /V <FEFF5C71753082B15B50> /Rect [0 0 10 10] >>",
		// 7: a widget whose field (8) is named "address" under "applicant".
		"<< /Type /Annot /Subtype /Widget /Parent 8 0 R /T (street) /Rect [0 0 10 10] >>",
		"<< /FT /Tx /T (applicant) /V (1-2-3 Chiyoda\\rTokyo) >>",
		// 9: a list box with two choices; 10: a checked checkbox.
		"<< /Type /Annot /Subtype /Widget /FT /Ch /T (options) /V [(red) (blue)] /Rect [0 0 10 10] >>",
		"<< /Type /Annot /Subtype /Widget /FT /Btn /T (agree) /V /Yes /AS /Yes /Rect [0 0 10 10] >>",
		// 11, 12: two radio buttons of one field (17).
		"<< /Type /Annot /Subtype /Widget /Parent 17 0 R /AS /Off /Rect [0 0 10 10] >>",
		"<< /Type /Annot /Subtype /Widget /Parent 17 0 R /AS /B /Rect [0 0 10 10] >>",
		// 13: a signature with a visible appearance (20) and a signer.
		"<< /Type /Annot /Subtype /Widget /FT /Sig /T (sig) /V << /Type /Sig /Name (Yamada Taro) /Contents <00> >> /AP << /N 20 0 R >> /Rect [0 0 10 10] >>",
		// 14: a free-text comment drawn by its appearance (21).
		"<< /Type /Annot /Subtype /FreeText /Contents (fallback) /AP << /N 21 0 R >> /Rect [0 0 10 10] /DA (/Helv 12 Tf) >>",
		// 15: a stamp without appearance; 16: a hidden free text.
		"<< /Type /Annot /Subtype /Stamp /Name /Approved /Rect [0 0 10 10] >>",
		"<< /Type /Annot /Subtype /FreeText /F 2 /Contents (HIDDEN-NOTE) /Rect [0 0 10 10] >>",
		"<< /FT /Btn /Ff 49152 /T (choice) /V /B /Kids [11 0 R 12 0 R] >>",
		// 18: a push button with an action; 19: a link with a URI action.
		"<< /Type /Annot /Subtype /Widget /FT /Btn /Ff 65536 /T (submit) /V (PUSH-VALUE) /A << /S /JavaScript /JS (app.alert\\(1\\)) >> /Rect [0 0 10 10] >>",
		"<< /Type /Annot /Subtype /Link /A << /S /URI /URI (https://evil.example/) >> /Contents (LINK-TEXT) /Rect [0 0 10 10] >>",
		pdftest.Stream("/Type /XObject /Subtype /Form /BBox [0 0 200 50] /Resources << /Font << /F1 5 0 R >> >>", []byte("BT /F1 10 Tf 2 20 Td (Digitally signed) Tj ET")),
		pdftest.Stream("/Type /XObject /Subtype /Form /BBox [0 0 200 50] /Resources << /Font << /F1 5 0 R >> >>", []byte("BT /F1 10 Tf 2 20 Td (Please check page 2) Tj ET")),
	)
	res, err := extractT(t, pdftest.Assemble(objs, "/Root 1 0 R"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := `Application page text

--- form fields ---
氏名: 山田花子
applicant.street: 1-2-3 Chiyoda / Tokyo
options: red, blue
agree: Yes
choice: B
sig: Digitally signed (signed by Yamada Taro)

--- annotations ---
Please check page 2
Approved`
	if res.Text != want {
		t.Errorf("got:\n%s\nwant:\n%s", res.Text, want)
	}
	for _, bad := range []string{"HIDDEN-NOTE", "PUSH-VALUE", "app.alert", "evil.example", "LINK-TEXT", "fallback"} {
		if strings.Contains(res.Text, bad) {
			t.Errorf("text holds %q", bad)
		}
	}
}

// TestFormOnlyPDF: a PDF whose only text is in form fields is not "no
// extractable text" (it was dropped before).
func TestFormOnlyPDF(t *testing.T) {
	objs := pdftest.OnePage("")
	objs[2] = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Annots [6 0 R] >>"
	objs = append(objs, "<< /Type /Annot /Subtype /Widget /FT /Tx /T (amount) /V (12,000) /Rect [0 0 10 10] >>")
	if got := mustText(t, pdftest.Assemble(objs, "/Root 1 0 R")); got != "--- form fields ---\namount: 12,000" {
		t.Errorf("got %q", got)
	}
}
