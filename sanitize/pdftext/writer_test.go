package pdftext

import (
	"bytes"
	"compress/zlib"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rc4"
	"fmt"
	"sort"
	"strings"
)

// pdfWriter writes small PDF files for the tests: numbered objects,
// optional Flate compression, object streams with a cross-reference stream,
// and the standard security handler (RC4-128, AES-128, AES-256). It is
// deliberately independent of the reader's object model; what they share
// are the key-derivation functions of the standard, which are checked
// against pdftotext in the quality test.
type pdfWriter struct {
	objs     map[int]string // object bodies (without "n 0 obj")
	streams  map[int][]byte // stream data of stream objects
	next     int
	compress bool
	objStm   bool // non-stream objects in object streams, xref stream
	enc      *writerCrypt
	header   string
	root     int
}

type writerCrypt struct {
	method  cryptMethod // cryptRC4 (R3), cryptAESV2 (R4), cryptAESV3 (R6)
	userPw  string
	key     []byte
	dict    string
	id      []byte
	ownerPw string
}

func newPDFWriter() *pdfWriter {
	return &pdfWriter{objs: map[int]string{}, streams: map[int][]byte{}, next: 1, header: "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"}
}

func (w *pdfWriter) reserve() int {
	n := w.next
	w.next++
	return n
}

func (w *pdfWriter) set(n int, body string) { w.objs[n] = body }

func (w *pdfWriter) add(body string) int {
	n := w.reserve()
	w.set(n, body)
	return n
}

// addStream adds a stream object; dict is the dictionary's inside, without
// /Length or /Filter.
func (w *pdfWriter) addStream(dict string, data []byte) int {
	n := w.reserve()
	w.setStream(n, dict, data)
	return n
}

func (w *pdfWriter) setStream(n int, dict string, data []byte) {
	if w.compress {
		var b bytes.Buffer
		zw := zlib.NewWriter(&b)
		zw.Write(data)
		zw.Close()
		data = b.Bytes()
		dict += " /Filter /FlateDecode"
	}
	w.objs[n] = dict
	w.streams[n] = data
}

// lit returns a string object for object n, encrypted when the file is.
func (w *pdfWriter) lit(n int, s string) string {
	b := []byte(s)
	// Strings in object streams are encrypted with the stream (§7.6.2).
	if w.enc != nil && !w.objStm {
		b = w.enc.encrypt(n, b, w.enc.method)
	}
	return "<" + fmt.Sprintf("%X", b) + ">"
}

func (c *writerCrypt) objKey(n int, m cryptMethod) []byte {
	cr := &crypter{key: c.key}
	return cr.objectKey(ref{num: uint32(n)}, m)
}

func (c *writerCrypt) encrypt(n int, data []byte, m cryptMethod) []byte {
	k := c.objKey(n, m)
	if m == cryptRC4 {
		ci, _ := rc4.NewCipher(k)
		out := make([]byte, len(data))
		ci.XORKeyStream(out, data)
		return out
	}
	pad := aes.BlockSize - len(data)%aes.BlockSize
	plain := append(append([]byte{}, data...), bytes.Repeat([]byte{byte(pad)}, pad)...)
	iv := md5.Sum(append([]byte("iv"), byte(n), byte(len(data))))
	block, _ := aes.NewCipher(k)
	out := make([]byte, aes.BlockSize+len(plain))
	copy(out, iv[:])
	cipher.NewCBCEncrypter(block, iv[:]).CryptBlocks(out[aes.BlockSize:], plain)
	return out
}

// encrypt sets up the standard security handler with the given user
// password ("" opens without one) and method.
func (w *pdfWriter) encrypt(m cryptMethod, userPw string) {
	c := &writerCrypt{method: m, userPw: userPw, ownerPw: "owner", id: []byte("0123456789abcdef")}
	p := int32(-3904)
	switch m {
	case cryptRC4, cryptAESV2:
		r := 3
		if m == cryptAESV2 {
			r = 4
		}
		// Algorithm 3: the O entry from the owner password.
		ok := md5.Sum(append([]byte(c.ownerPw), passwordPad[:]...)[:32])
		okey := ok[:]
		for range 50 {
			s := md5.Sum(okey[:16])
			okey = s[:]
		}
		o := append([]byte(userPw), passwordPad[:]...)[:32]
		k := make([]byte, 16)
		for i := range 20 {
			for j := range k {
				k[j] = okey[j] ^ byte(i)
			}
			ci, _ := rc4.NewCipher(k)
			ci.XORKeyStream(o, o)
		}
		c.key = fileKeyR4([]byte(userPw), o, uint32(p), c.id, r, 16, true)
		// Algorithm 5: the U entry.
		h := md5.Sum(append(append([]byte{}, passwordPad[:]...), c.id...))
		u := h[:]
		for i := range 20 {
			for j := range k {
				k[j] = c.key[j] ^ byte(i)
			}
			ci, _ := rc4.NewCipher(k)
			ci.XORKeyStream(u, u)
		}
		u = append(u, bytes.Repeat([]byte{0}, 16)...)
		if m == cryptRC4 {
			c.dict = fmt.Sprintf("<< /Filter /Standard /V 2 /R 3 /Length 128 /P %d /O <%X> /U <%X> >>", p, o, u)
		} else {
			c.dict = fmt.Sprintf("<< /Filter /Standard /V 4 /R 4 /Length 128 /P %d /O <%X> /U <%X> "+
				"/CF << /StdCF << /CFM /AESV2 /AuthEvent /DocOpen /Length 16 >> >> /StmF /StdCF /StrF /StdCF >>", p, o, u)
		}
	case cryptAESV3:
		c.key = bytes.Repeat([]byte{0x5a}, 32)
		vs, ks := []byte("vsaltvsa"), []byte("ksaltksa")
		u := append(append(hashR6([]byte(userPw), vs, nil), vs...), ks...)
		ue := aesCBCNoPad(hashR6([]byte(userPw), ks, nil), c.key)
		ovs, oks := []byte("ovsaltov"), []byte("oksaltok")
		o := append(append(hashR6([]byte(c.ownerPw), ovs, u), ovs...), oks...)
		oe := aesCBCNoPad(hashR6([]byte(c.ownerPw), oks, u), c.key)
		perms := []byte{byte(p), byte(p >> 8), byte(p >> 16), byte(p >> 24), 0xff, 0xff, 0xff, 0xff, 'T', 'a', 'd', 'b', 0, 0, 0, 0}
		block, _ := aes.NewCipher(c.key)
		block.Encrypt(perms, perms)
		c.dict = fmt.Sprintf("<< /Filter /Standard /V 5 /R 6 /Length 256 /P %d /O <%X> /U <%X> /OE <%X> /UE <%X> /Perms <%X> "+
			"/CF << /StdCF << /CFM /AESV3 /AuthEvent /DocOpen /Length 32 >> >> /StmF /StdCF /StrF /StdCF >>", p, o, u, oe, ue, perms)
	}
	w.enc = c
}

func aesCBCNoPad(key, data []byte) []byte {
	block, _ := aes.NewCipher(key)
	out := make([]byte, len(data))
	cipher.NewCBCEncrypter(block, make([]byte, 16)).CryptBlocks(out, data)
	return out
}

// bytes serializes the file with root as the catalog.
func (w *pdfWriter) bytes() []byte {
	var b bytes.Buffer
	b.WriteString(w.header)
	encNum := 0
	if w.enc != nil {
		encNum = w.add(w.enc.dict)
	}
	nums := make([]int, 0, len(w.objs))
	for n := range w.objs {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	type loc struct {
		typ      int
		off, idx int
	}
	locs := map[int]loc{}
	writeObj := func(n int) {
		locs[n] = loc{typ: 1, off: b.Len()}
		fmt.Fprintf(&b, "%d 0 obj\n", n)
		if data, ok := w.streams[n]; ok {
			if w.enc != nil {
				data = w.enc.encrypt(n, data, w.enc.method)
			}
			fmt.Fprintf(&b, "<<%s /Length %d>>\nstream\n", w.objs[n], len(data))
			b.Write(data)
			b.WriteString("\nendstream\nendobj\n")
			return
		}
		b.WriteString(w.objs[n])
		b.WriteString("\nendobj\n")
	}
	if !w.objStm {
		for _, n := range nums {
			writeObj(n)
		}
		xref := b.Len()
		size := w.next
		fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", size)
		for n := 1; n < size; n++ {
			if l, ok := locs[n]; ok {
				fmt.Fprintf(&b, "%010d 00000 n \n", l.off)
			} else {
				b.WriteString("0000000000 65535 f \n")
			}
		}
		fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R", size, w.root)
		w.trailerExtra(&b, encNum)
		fmt.Fprintf(&b, " >>\nstartxref\n%d\n%%%%EOF\n", xref)
		return b.Bytes()
	}
	// Object streams of up to 50 objects, then a cross-reference stream.
	var pending []int
	flush := func() {
		if len(pending) == 0 {
			return
		}
		stm := w.next
		w.next++
		var hdr, body bytes.Buffer
		for i, n := range pending {
			fmt.Fprintf(&hdr, "%d %d ", n, body.Len())
			body.WriteString(w.objs[n])
			body.WriteString("\n")
			locs[n] = loc{typ: 2, off: stm, idx: i}
		}
		data := append(hdr.Bytes(), body.Bytes()...)
		saved := w.compress
		w.compress = true
		w.setStream(stm, fmt.Sprintf(" /Type /ObjStm /N %d /First %d", len(pending), hdr.Len()), data)
		w.compress = saved
		writeObj(stm)
		pending = pending[:0]
	}
	for _, n := range nums {
		if _, isStream := w.streams[n]; isStream || n == encNum {
			writeObj(n)
			continue
		}
		pending = append(pending, n)
		if len(pending) == 50 {
			flush()
		}
	}
	flush()
	xrefNum := w.next
	w.next++
	size := w.next
	locs[xrefNum] = loc{typ: 1, off: b.Len()}
	var rows bytes.Buffer
	for n := 0; n < size; n++ {
		l, ok := locs[n]
		switch {
		case !ok:
			rows.Write([]byte{0, 0, 0, 0, 0xff, 0xff})
		case l.typ == 1:
			rows.Write([]byte{1, byte(l.off >> 24), byte(l.off >> 16), byte(l.off >> 8), byte(l.off), 0})
		default:
			rows.Write([]byte{2, byte(l.off >> 24), byte(l.off >> 16), byte(l.off >> 8), byte(l.off), byte(l.idx)})
		}
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(rows.Bytes())
	zw.Close()
	fmt.Fprintf(&b, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 1] /Root %d 0 R /Filter /FlateDecode /Length %d", xrefNum, size, w.root, z.Len())
	w.trailerExtra(&b, encNum)
	b.WriteString(" >>\nstream\n")
	b.Write(z.Bytes())
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", locs[xrefNum].off)
	return b.Bytes()
}

func (w *pdfWriter) trailerExtra(b *bytes.Buffer, encNum int) {
	if w.enc != nil {
		fmt.Fprintf(b, " /Encrypt %d 0 R /ID [<%X> <%X>]", encNum, w.enc.id, w.enc.id)
	}
}

// pdfString escapes a byte string as a literal string.
func pdfLit(s string) string {
	var b strings.Builder
	b.WriteByte('(')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '(', ')', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if c < 0x20 || c >= 0x7f {
				fmt.Fprintf(&b, "\\%03o", c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte(')')
	return b.String()
}
