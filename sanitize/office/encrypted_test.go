package office

import (
	"context"
	"encoding/binary"
	"errors"
	"testing"
	"unicode/utf16"
)

// makeCFB builds a minimal compound file ([MS-CFB] version 3, 512-byte
// sectors): sector 0 is the FAT, sector 1 the directory with a root entry
// and one empty stream per name, sector 2 (if data is given) a data sector.
// This is how Office stores a password-protected OOXML document
// ([MS-OFFCRYPTO] §2.3.4: "EncryptionInfo" and "EncryptedPackage"
// streams); a legacy .doc has a "WordDocument" stream instead.
func makeCFB(data []byte, names ...string) []byte {
	le := binary.LittleEndian
	const free, end, fatSect = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
	out := make([]byte, 512*3)
	h := out[:512]
	copy(h, cfbSignature)
	le.PutUint16(h[0x18:], 0x3E)
	le.PutUint16(h[0x1A:], 3)
	le.PutUint16(h[0x1C:], 0xFFFE)
	le.PutUint16(h[0x1E:], 9)
	le.PutUint16(h[0x20:], 6)
	le.PutUint32(h[0x2C:], 1)    // FAT sectors
	le.PutUint32(h[0x30:], 1)    // first directory sector
	le.PutUint32(h[0x38:], 4096) // mini stream cutoff
	le.PutUint32(h[0x3C:], end)
	le.PutUint32(h[0x44:], end)
	for i := 0; i < 109; i++ {
		le.PutUint32(h[0x4C+4*i:], free)
	}
	le.PutUint32(h[0x4C:], 0)
	fat := out[512:1024]
	for i := 0; i < 128; i++ {
		le.PutUint32(fat[4*i:], free)
	}
	le.PutUint32(fat[0:], fatSect)
	le.PutUint32(fat[4:], end)
	dir := out[1024:1536]
	entry := func(i int, name string, typ byte, sibling, child uint32) {
		e := dir[128*i : 128*(i+1)]
		u := utf16.Encode([]rune(name))
		for j, c := range u {
			le.PutUint16(e[2*j:], c)
		}
		le.PutUint16(e[0x40:], uint16(2*len(u)+2))
		e[0x42] = typ
		le.PutUint32(e[0x44:], free)
		le.PutUint32(e[0x48:], sibling)
		le.PutUint32(e[0x4C:], child)
		le.PutUint32(e[0x74:], end)
	}
	// The root's children are a chain of right siblings ([MS-CFB] §2.6.4
	// wants a red-black tree; readers walk any binary tree).
	entry(0, "Root Entry", 5, free, 1)
	for i, n := range names {
		sibling := uint32(free)
		if i+1 < len(names) {
			sibling = uint32(i + 2)
		}
		entry(i+1, n, 2, sibling, free)
	}
	if data != nil {
		le.PutUint32(fat[8:], end)
		sec := make([]byte, 512)
		copy(sec, data)
		out = append(out, sec...)
	}
	return out
}

func TestEncryptedOOXML(t *testing.T) {
	enc := makeCFB(nil, "EncryptionInfo", "EncryptedPackage")
	if k := Detect(enc); k != KindNone {
		t.Errorf("Detect = %q, want none", k)
	}
	for _, kind := range []Kind{"", KindDOCX, KindXLSX} {
		if _, err := Extract(context.Background(), enc, kind, Limits{}); !errors.Is(err, ErrEncrypted) {
			t.Errorf("kind %q: err = %v, want ErrEncrypted", kind, err)
		}
	}

	// A legacy .doc is a compound file too; the name "EncryptedPackage"
	// in its data (a data sector) is not a directory entry.
	var text []byte
	for _, u := range utf16.Encode([]rune("EncryptedPackage")) {
		text = append(text, byte(u), byte(u>>8))
	}
	doc := makeCFB(text, "WordDocument", "1Table")
	if k := Detect(doc); k != KindDOC {
		t.Errorf("legacy .doc: Detect = %q", k)
	}
	if _, err := Extract(context.Background(), doc, "", Limits{}); errors.Is(err, ErrEncrypted) || err == nil {
		t.Errorf("legacy .doc with an empty WordDocument stream: err = %v, want a corrupt document", err)
	}

	// A damaged directory chain ends, as a corrupt file.
	bad := makeCFB(nil, "EncryptedPackage")
	binary.LittleEndian.PutUint32(bad[512+4:], 1) // the directory sector chains to itself
	if _, err := Extract(context.Background(), bad, "", Limits{}); err == nil || errors.Is(err, ErrUnsupported) {
		t.Errorf("looping chain: err = %v", err)
	}
	binary.LittleEndian.PutUint32(bad[0x30:], 0x7FFFFFFF)
	if _, err := Extract(context.Background(), bad, "", Limits{}); err == nil || errors.Is(err, ErrEncrypted) {
		t.Errorf("directory sector out of range: err = %v", err)
	}
}

// TestExtractKinds: a kind of another family than the content, and
// content that is no document, are ErrUnsupported; within a family the
// content decides.
func TestExtractKinds(t *testing.T) {
	docx := wordDoc(t, ctDocx, wp("x"), nil)
	if _, err := Extract(context.Background(), docx, KindXLSX, Limits{}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("docx as xlsx: %v", err)
	}
	if _, err := Extract(context.Background(), docx, KindDOCM, Limits{}); err != nil {
		t.Errorf("docx as docm: %v", err)
	}
	for _, data := range [][]byte{nil, []byte("hello"), []byte("%PDF-1.7"), []byte("PK\x03\x04garbage"),
		append([]byte("junk"), docx...)} {
		if k := Detect(data); k != KindNone {
			t.Errorf("Detect(%.10q) = %q", data, k)
		}
		if _, err := Extract(context.Background(), data, "", Limits{}); err == nil {
			t.Errorf("Extract(%.10q): no error", data)
		}
	}
	// A zip that is no Office document.
	z := makeZip(t, part{"readme.txt", "hi"})
	if _, err := Extract(context.Background(), z, "", Limits{}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("plain zip: %v", err)
	}
}

func TestExtractContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Extract(ctx, wordDoc(t, ctDocx, wp("x"), nil), "", Limits{}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}
