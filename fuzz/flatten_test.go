package fuzz

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"

	"github.com/mugai/mugai/internal/testinput/archivetest"
	"github.com/mugai/mugai/internal/testinput/imagetest"
	"github.com/mugai/mugai/internal/testinput/tneftest"
	"github.com/mugai/mugai/sanitize/archive"
	"github.com/mugai/mugai/sanitize/flatten"
	"github.com/mugai/mugai/sanitize/htmltext"
	"github.com/mugai/mugai/sanitize/tnef"
)

// exeBytes looks like a Windows executable to content sniffing.
var exeBytes = append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), bytes.Repeat([]byte("\xb8\x00\x0e\x1f\xba"), 60)...)

// flattenLimits keep one execution small; budget seeds are built to pass
// ArchiveEntries.
var flattenLimits = flatten.Limits{ArchiveDepth: 3, ArchiveEntries: 40, ArchiveBytes: 4 << 20, ArchiveRatio: 100,
	ImagePixels: 1 << 16, OutputBytes: 64 << 10, PDFPages: 20}

func flattenSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	sjis, _ := japanese.ShiftJIS.NewEncoder().String("お世話になっております。①㈱\n見積書を送ります。\n")
	utf16, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String("UTF-16 のテキスト\n")
	html := []byte(`<html><head><meta charset="shift_jis"><style>p{}</style></head><body><p>本文 <a href="javascript:x">x</a> <a href="https://example.jp/a">link</a></p><script>evil()</script><p style="display:none">hidden</p></body></html>`)
	docx := archivetest.Zip(tb, docxParts(ctDocx, seedWord)...)
	png := imagetest.PNG(tb, imagetest.Gradient(8, 8))
	winmail := tneftest.NewStream().Attr(tneftest.LevelMessage, tneftest.AttBody, []byte("winmail body")).
		Attachment("a.pdf", minimalPDF("pdf inside winmail"), nil).
		Attachment("setup.exe", exeBytes, nil).
		Attachment("inner.zip", archivetest.Zip(tb, archivetest.File{Name: "x.txt", Body: []byte("zip inside winmail")}), nil).Bytes()
	var msg tneftest.Props
	msg.Binary(tneftest.PidHTML, []byte("<p>HTML body only</p>"))
	htmlWinmail := tneftest.NewStream().Attr(tneftest.LevelMessage, tneftest.AttMsgProps, msg.Bytes()).Attachment("b.txt", []byte("text"), nil).Bytes()
	mixed := archivetest.Zip(tb,
		archivetest.File{Name: "docs/見積.pdf", Body: minimalPDF("quote total")},
		archivetest.File{Name: "docs/memo.txt", Body: []byte(sjis)},
		archivetest.File{Name: "bin/run.exe", Body: exeBytes},
		archivetest.File{Name: "img/a.png", Body: png},
		archivetest.File{Name: "word.docx", Body: docx},
		archivetest.File{Name: "winmail.dat", Body: winmail},
		archivetest.File{Name: "nested.zip", Body: archivetest.Zip(tb,
			archivetest.File{Name: "a.txt", Body: []byte("level two")},
			archivetest.File{Name: "inner.zip", Body: archivetest.Zip(tb, archivetest.File{Name: "deep.txt", Body: []byte("level three")})})},
	)
	// Winmail attachments count against the budget of the enclosing
	// archive: ten of them with twelve attachments each would pass
	// ArchiveDepth × ArchiveEntries if each had a budget of its own.
	var many []archivetest.File
	for i := range 10 {
		s := tneftest.NewStream()
		for j := range 12 {
			s.Attachment(fmt.Sprintf("f%d.txt", j), []byte(fmt.Sprintf("attachment %d of winmail %d", j, i)), nil)
		}
		many = append(many, archivetest.File{Name: fmt.Sprintf("w%d.dat", i), Body: s.Bytes()})
	}
	// Encrypted members, flagged in both headers (APPNOTE 4.4.4).
	encrypted := func(name string, data []byte) archivetest.Record {
		r := archivetest.Stored(name, data)
		r.Flags = 1
		return r
	}
	var secretDocx, secretExe archivetest.RawZip
	secretDocx.Add(encrypted("secret.docx", docx), docx)
	secretExe.Add(archivetest.Stored("open.txt", []byte("readable")), []byte("readable"))
	secretExe.Add(encrypted("secret.exe", exeBytes), exeBytes)
	seeds := [][]byte{
		minimalPDF("Hello PDF"),
		docx,
		archivetest.Zip(tb, xlsxParts(seedSheet)...),
		archivetest.StoredZip(tb, odfParts(mimeODT, seedODT)...),
		[]byte(seedRTF),
		png,
		imagetest.JPEG(tb, imagetest.Gradient(16, 16), 75),
		gifOf(tb, 4, 4),
		exeBytes,
		[]byte("7z\xbc\xaf\x27\x1c\x00\x04" + strings.Repeat("\x00", 40)),
		compoundFile("EncryptionInfo", "EncryptedPackage"),
		compoundFile("WordDocument"),
		html,
		[]byte(sjis),
		[]byte(utf16),
		mixed,
		secretDocx.Bytes(),
		secretExe.Bytes(),
		archivetest.Gzip(tb, "t.tar", archivetest.Tar(tb, archivetest.Reg("a.txt", "in a tgz"),
			archivetest.TarEntry{Header: tar.Header{Name: "run.exe", Typeflag: tar.TypeReg}, Body: exeBytes})),
		winmail,
		htmlWinmail,
		archivetest.Zip(tb, many...),
		archivetest.Zip(tb, archivetest.File{Name: "zeros.txt", Body: make([]byte, 8<<20)}),
	}
	return append(seeds, corpusAttachments(tb, flatten.KindPDF, flatten.KindDOCX, flatten.KindDOCM, flatten.KindXLSX,
		flatten.KindXLSM, flatten.KindPPTX, flatten.KindODT, flatten.KindRTF, flatten.KindDOC, flatten.KindXLS,
		flatten.KindOLE, flatten.KindZIP, flatten.KindGZIP, flatten.KindTAR, flatten.KindTGZ, flatten.KindTNEF,
		flatten.KindPNG, flatten.KindJPEG, flatten.KindGIF, flatten.KindImage, flatten.KindExecutable)...)
}

var knownReasons = map[string]bool{
	flatten.ReasonUnsupported: true, flatten.ReasonEncrypted: true, flatten.ReasonNoText: true,
	flatten.ReasonCorrupt: true, flatten.ReasonLimit: true, flatten.ReasonImages: true, flatten.ReasonDepth: true,
	flatten.ReasonTimeout: true, flatten.ReasonCrash: true, flatten.ReasonEmpty: true, flatten.ReasonTooLarge: true,
	flatten.ReasonScript: true,
}

// flatNode is a text result with the SHA-256 of the member it was made
// from ("" for the input itself).
type flatNode struct {
	text string
	src  string
}

// memberBytes maps the SHA-256 of every member of data (archives and
// winmail.dat, nested to depth) to its bytes, read the way flatten reads
// them, so that a dropped member's bytes can be looked for in the text.
func memberBytes(data []byte, depth int, out map[string][]byte) {
	if depth <= 0 {
		return
	}
	add := func(b []byte) {
		sum := sha256.Sum256(b)
		out[hex.EncodeToString(sum[:])] = b
		memberBytes(b, depth-1, out)
	}
	lim := archive.Limits{Entries: flattenLimits.ArchiveEntries, TotalBytes: flattenLimits.ArchiveBytes, Ratio: flattenLimits.ArchiveRatio}
	switch k := flatten.Detect(data); k {
	case flatten.KindZIP, flatten.KindGZIP, flatten.KindTAR, flatten.KindTGZ:
		archive.Walk(context.Background(), data, archive.Kind(k), lim, func(e archive.Entry, b []byte) error {
			if b != nil {
				add(b)
			}
			return nil
		})
	case flatten.KindTNEF:
		m, _ := tnef.Decode(data, tnef.Limits{Attachments: lim.Entries, TotalBytes: lim.TotalBytes, Depth: flattenLimits.ArchiveDepth})
		if m != nil {
			for _, a := range m.Attachments {
				add(a.Data)
			}
		}
	}
}

// FuzzFlatten: Convert on any bytes, under small limits, with or without
// images and in each link mode, returns in bounded time a tree of results
// that are each well formed — text: valid UTF-8, not blank, within
// OutputBytes; image: a clean PNG or JPEG within the pixel limit;
// container: members with clean paths; drop: a known Reason and nothing
// else — nested no deeper than ArchiveDepth, with no more members than
// the shared budget allows, and with no bytes of a member that was
// dropped showing up in any text.
func FuzzFlatten(f *testing.F) {
	for _, s := range flattenSeeds(f) {
		f.Add(byte(0), s)
	}
	f.Add(byte(1), imagetest.PNG(f, imagetest.Gradient(8, 8)))
	f.Add(byte(3), []byte(`<p><a href="https://example.jp/">x</a></p>`))
	f.Fuzz(func(t *testing.T, flags byte, data []byte) {
		opt := flatten.Options{ReencodeImages: flags&1 != 0, Links: htmltext.LinkMode(flags >> 1 % 3), DropScripts: flags&8 != 0, Limits: flattenLimits}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		res, err := flatten.Convert(ctx, flatten.Input{Name: "fuzz.bin", DeclaredType: "application/octet-stream"}, data, opt)
		if err != nil {
			t.Fatalf("Convert: %v (only the context may end it)", err)
		}
		var nodes []flatNode
		var dropped []string // SHA-256 of dropped members
		members := 0
		var walk func(r *flatten.Result, src string, depth int)
		walk = func(r *flatten.Result, src string, depth int) {
			if r == nil {
				t.Fatalf("nil result")
			}
			if !sortedUnique(r.Removed) {
				t.Fatalf("Removed not sorted and unique: %q", r.Removed)
			}
			if r.Action != flatten.ActionText && r.Text != "" || r.Action != flatten.ActionImage && r.Image != nil ||
				r.Action != flatten.ActionContainer && r.Entries != nil || r.Action != flatten.ActionDrop && r.Reason != "" {
				t.Fatalf("%s result carries more than its action: %+v", r.Action, r)
			}
			switch r.Action {
			case flatten.ActionText:
				if !utf8.ValidString(r.Text) || strings.TrimSpace(r.Text) == "" || int64(len(r.Text)) > opt.Limits.OutputBytes {
					t.Fatalf("bad text of %d bytes: %.200q", len(r.Text), r.Text)
				}
				nodes = append(nodes, flatNode{r.Text, src})
			case flatten.ActionImage:
				if !opt.ReencodeImages {
					t.Fatalf("image kept with images off")
				}
				checkImage(t, r.Image, r.ImageType, opt.Limits.ImagePixels)
			case flatten.ActionContainer:
				if depth >= opt.Limits.ArchiveDepth || len(r.Entries) == 0 {
					t.Fatalf("container at depth %d with %d entries", depth, len(r.Entries))
				}
				for _, e := range r.Entries {
					checkArchivePath(t, e.Path)
					esrc := src // a winmail.dat body comes from the stream itself
					if e.SHA256 != "" {
						members++
						esrc = e.SHA256
					}
					if e.Result != nil && e.Result.Action == flatten.ActionDrop && e.SHA256 != "" {
						dropped = append(dropped, e.SHA256)
					}
					walk(e.Result, esrc, depth+1)
				}
			case flatten.ActionDrop:
				if !knownReasons[r.Reason] {
					t.Fatalf("drop with reason %q (%s)", r.Reason, r.Detail)
				}
			default:
				t.Fatalf("action %q", r.Action)
			}
		}
		walk(res, "", 0)
		if max := opt.Limits.ArchiveDepth * opt.Limits.ArchiveEntries; members > max {
			t.Fatalf("%d members converted; the shared budget allows %d", members, max)
		}
		if len(dropped) == 0 || len(nodes) == 0 {
			return
		}
		// A text may hold a dropped member's bytes only if its own source
		// does (the same content in two members); otherwise they leaked.
		byHash := map[string][]byte{"": data}
		memberBytes(data, opt.Limits.ArchiveDepth+1, byHash)
		for _, h := range dropped {
			d := byHash[h]
			const w = 32
			for off := 0; off+w <= len(d) && off < 8*w; off += w {
				win := d[off : off+w]
				for _, n := range nodes {
					if strings.Contains(n.text, string(win)) && !bytes.Contains(byHash[n.src], win) {
						t.Fatalf("bytes %q of a dropped member appear in the text %.200q", win, n.text)
					}
				}
			}
		}
	})
}
