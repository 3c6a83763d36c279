package payload

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/mugai/mugai/internal/testinput/payloadtest"
)

const exeType = "application/vnd.microsoft.portable-executable"

// spreadWant is one expected block of a spread-out encoding: its kind,
// the text it spans, the file it decodes to and the type it is judged.
type spreadWant struct {
	kind Kind
	span string
	file []byte
	typ  string
}

// checkSpread runs Find on before+w.span+after and wants exactly one
// block: w's span, its data the file, its type w.typ.
func checkSpread(t *testing.T, before string, w spreadWant, after string) {
	t.Helper()
	text := before + w.span + after
	got := Find(text, Options{})
	checkInvariants(t, text, Options{}, got)
	if len(got) != 1 {
		for _, b := range got {
			t.Logf("got %s [%d,%d) %q", b.Kind, b.Start, b.End, abbrev(text[b.Start:b.End]))
		}
		t.Fatalf("got %d blocks, want 1:\n%s", len(got), abbrev(w.span))
	}
	b := got[0]
	if b.Kind != w.kind || b.Start != len(before) || b.End != len(before)+len(w.span) {
		t.Errorf("got %s [%d,%d) %q, want %s [%d,%d)", b.Kind, b.Start, b.End, abbrev(text[b.Start:b.End]),
			w.kind, len(before), len(before)+len(w.span))
	}
	if !bytes.Equal(b.Data, w.file) || b.Size != int64(len(w.file)) {
		t.Errorf("data: got %d bytes (Size %d) %x…, want %d bytes %x…", len(b.Data), b.Size,
			b.Data[:min(16, len(b.Data))], len(w.file), w.file[:min(16, len(w.file))])
	}
	if b.Type != w.typ {
		t.Errorf("type %q, want %q", b.Type, w.typ)
	}
}

// TestSpreadBase64 covers base64 that the line-run rules of base64.go miss:
// every form leaves a file that one command rebuilds (invariant 7).
func TestSpreadBase64(t *testing.T) {
	exe := payloadtest.PE("SPREAD-EXE-MARKER", 21, 1500)
	zipped := payloadtest.Zip("eicar.com", []byte("a small file in a zip"))
	b64 := base64.StdEncoding.EncodeToString(exe)
	jsArray := "var parts = [\n" + payloadtest.Affix(payloadtest.Wrap(b64, 64), `  "`, `",`) + "];\n"
	tests := []struct {
		name          string
		before, after string
		w             spreadWant
	}{
		{"paragraphs under the threshold", proseBefore, proseAfter,
			spreadWant{Base64, strings.TrimSuffix(payloadtest.Paragraphs(b64, 900, 76), "\n"), exe, exeType}},
		{"paragraphs of odd sizes", proseBefore, proseAfter,
			spreadWant{Base64, strings.TrimSuffix(payloadtest.Paragraphs(b64, 301, 70), "\n"), exe, exeType}},
		{"chunks each padded", proseBefore, proseAfter,
			spreadWant{Base64, payloadtest.ChunkedBase64(exe, 100), exe, exeType}},
		{"groups of four", proseBefore, proseAfter,
			spreadWant{Base64, payloadtest.Groups(b64, 4, 16, " "), exe, exeType}},
		{"after a line with a long word", "[Convert]::FromBase64String ignores the spaces:\n\n", proseAfter,
			spreadWant{Base64, payloadtest.Groups(b64, 4, 15, " "), exe, exeType}},
		{"document paragraphs with headings", "Part 1\n", proseAfter,
			spreadWant{Base64, strings.ReplaceAll(strings.TrimSuffix(payloadtest.Paragraphs(b64, 300, 1<<20), "\n\n"), "\n\n", "\nPart n\n") + "\n", exe, exeType}},
		{"row numbers, short last row", "No\tdata\n", "\n",
			spreadWant{Base64, payloadtest.Numbered(payloadtest.Wrap(base64.StdEncoding.EncodeToString(exe[:57*20+4]), 76)), exe[:57*20+4], exeType}},
		{"hash prefix", proseBefore, proseAfter,
			spreadWant{Base64, payloadtest.Affix(payloadtest.Wrap(b64, 76), "# ", ""), exe, exeType}},
		{"pipe prefix", proseBefore, proseAfter,
			spreadWant{Base64, payloadtest.Affix(payloadtest.Wrap(b64, 76), "| ", " |"), exe, exeType}},
		{"JS array", proseBefore, "];\n" + proseAfter,
			spreadWant{Base64, strings.TrimPrefix(strings.TrimSuffix(jsArray, "];\n"), "var parts = [\n"), exe, exeType}},
		{"trailing backslash", proseBefore, proseAfter,
			spreadWant{Base64, payloadtest.Affix(payloadtest.Wrap(b64, 76), "", " \\"), exe, exeType}},
		{"mixed line lengths", proseBefore, proseAfter,
			spreadWant{Base64, payloadtest.WrapWidths(b64, 76, 3, 50, 1, 77, 20, 9), exe, exeType}},
		{"quoted paragraphs", "> Hello,\n>\n", "> bye\n",
			spreadWant{Base64, strings.TrimSuffix(strings.ReplaceAll(payloadtest.Affix(payloadtest.Paragraphs(b64, 760, 76), "> ", ""), "> \n", ">\n"), ">\n"), exe, exeType}},
		{"row numbers", "No\tdata\n", "\n",
			spreadWant{Base64, payloadtest.Numbered(payloadtest.Wrap(b64, 76)), exe, exeType}},
		{"calendar properties", "BEGIN:VEVENT\nSUMMARY:meeting\n", "END:VEVENT\n",
			spreadWant{Base64, calendarSplit(b64), exe, exeType}},
		{"small zip", proseBefore, proseAfter,
			spreadWant{Base64, payloadtest.Wrap(base64.StdEncoding.EncodeToString(zipped), 76), zipped, "application/zip"}},
		{"small zip, mixed lengths", proseBefore, proseAfter,
			spreadWant{Base64, payloadtest.WrapWidths(base64.StdEncoding.EncodeToString(zipped), 60, 17, 76, 5), zipped, "application/zip"}},
		{"narrow lines", proseBefore, "Thanks\nTaro\n",
			spreadWant{Base64, payloadtest.Wrap(base64.StdEncoding.EncodeToString(zipped), 12), zipped, "application/zip"}},
		{"url-safe paragraphs", proseBefore, proseAfter,
			spreadWant{Base64, strings.TrimSuffix(payloadtest.Paragraphs(base64.RawURLEncoding.EncodeToString(exe), 500, 76), "\n"), exe, exeType}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkSpread(t, tt.before, tt.w, tt.after) })
	}
}

// calendarSplit spreads s over iCalendar properties (RFC 5545 §3.1), each
// folded at 75 octets.
func calendarSplit(s string) string {
	var b strings.Builder
	for i := 0; len(s) > 0; i++ {
		n := min(300, len(s))
		line := fmt.Sprintf("X-PART-%d:%s", i+1, s[:n])
		s = s[n:]
		b.WriteString(line[:min(75, len(line))] + "\n")
		for line = line[min(75, len(line)):]; line != ""; {
			m := min(74, len(line))
			b.WriteString(" " + line[:m] + "\n")
			line = line[m:]
		}
	}
	return b.String()
}

func TestSpreadOtherEncodings(t *testing.T) {
	exe := payloadtest.PE("SPREAD-EXE-MARKER", 22, 1200)
	zipped := payloadtest.Zip("tool.exe", exe)
	tests := []struct {
		name string
		w    spreadWant
	}{
		{"xxd -p", spreadWant{Hex, payloadtest.HexPlain(exe), exe, exeType}},
		{"hex upper case", spreadWant{Hex, strings.ToUpper(payloadtest.HexPlain(exe)), exe, exeType}},
		{"hex paragraphs", spreadWant{Hex, strings.TrimSuffix(payloadtest.Paragraphs(hex.EncodeToString(zipped), 700, 64), "\n"), zipped, "application/zip"}},
		{"xxd", spreadWant{Hex, payloadtest.HexDump(exe[:1001]), exe[:1001], exeType}},
		{"hex bytes with spaces", spreadWant{Hex, payloadtest.Groups(hex.EncodeToString(exe), 2, 16, " "), exe, exeType}},
		{"base32", spreadWant{Base32, payloadtest.Base32(exe, 76), exe, exeType}},
		{"base32 paragraphs", spreadWant{Base32, strings.TrimSuffix(payloadtest.Paragraphs(strings.TrimSuffix(payloadtest.Base32(zipped, 1<<20), "\n"), 800, 72), "\n"), zipped, "application/zip"}},
		{"ascii85 framed", spreadWant{ASCII85, payloadtest.ASCII85(exe, 76, true), exe, exeType}},
		{"ascii85", spreadWant{ASCII85, payloadtest.ASCII85(zipped, 72, false), zipped, "application/zip"}},
		{"ascii85 narrow", spreadWant{ASCII85, payloadtest.ASCII85(zipped, 14, true), zipped, "application/zip"}},
		{"hex narrow", spreadWant{Hex, payloadtest.Wrap(hex.EncodeToString(exe), 10), exe, exeType}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkSpread(t, proseBefore, tt.w, proseAfter) })
	}
}

// TestSpreadFindsLaterFile: what comes before a file in the same run (a
// key, a decoy line) does not hide it: the block holds the file from where
// it starts.
func TestSpreadFindsLaterFile(t *testing.T) {
	exe := payloadtest.PE("SPREAD-EXE-MARKER", 23, 900)
	b64 := base64.StdEncoding.EncodeToString(exe)
	for _, decoy := range []string{"QUJD\n", "QUJDRA\n", "c3NoLXJzYSBBQUFBQjNOemFDMXljMkVBQUFBREFRQUJBQUFCQVFD\n\n"} {
		text := proseBefore + decoy + payloadtest.Paragraphs(b64, 500, 76) + proseAfter
		got := Find(text, Options{})
		checkInvariants(t, text, Options{}, got)
		if len(got) != 1 || !bytes.Equal(got[0].Data, exe) || got[0].Type != exeType {
			t.Errorf("decoy %q: got %d blocks", decoy, len(got))
			for _, b := range got {
				t.Logf("%s %s %d bytes %x", b.Kind, b.Type, len(b.Data), b.Data[:min(8, len(b.Data))])
			}
		}
	}
}

// TestSpreadKeeps: what honest mail holds that looks encoded is left as
// it is — keys, certificates, hashes, tokens, IDs, code — however it is
// laid out.
func TestSpreadKeeps(t *testing.T) {
	r := mrand.New(mrand.NewPCG(3, 4))
	var hashes, b64Hashes, gitLog, ids, uuids, urls strings.Builder
	for i := range 60 {
		sum := sha256.Sum256([]byte{byte(i)})
		fmt.Fprintf(&hashes, "%x  file-%d.pdf\n", sum, i)
		fmt.Fprintf(&b64Hashes, "sha256-%s\n", base64.StdEncoding.EncodeToString(sum[:]))
		fmt.Fprintf(&gitLog, "commit %x\n\n    fix %d\n\n", sum[:20], i)
		fmt.Fprintf(&ids, "Message-ID: <%s@mail.example.jp>\n", base64.RawURLEncoding.EncodeToString(sum[:18]))
		fmt.Fprintf(&uuids, "%08x-%04x-%04x-%04x-%012x\n", r.Uint32(), r.Uint32()&0xffff, r.Uint32()&0xffff, r.Uint32()&0xffff, r.Uint64()&0xffffffffffff)
		fmt.Fprintf(&urls, "https://drive.example.com/file?id=%s&sig=%s\n", base64.RawURLEncoding.EncodeToString(sum[:12]), base64.URLEncoding.EncodeToString(sum[:]))
	}
	cert, key := testCertificate(t)
	sshKey := func(bits int) string {
		blob := sshString("ssh-rsa")
		blob = append(blob, sshString("\x01\x00\x01")...)
		blob = append(blob, sshString(string(payloadtest.RandomBytes(uint64(bits), bits/8+1)))...)
		return "ssh-rsa " + base64.StdEncoding.EncodeToString(blob) + " taro@example.jp\n"
	}
	jwt := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"1234567890","name":"Taro Yamada","iat":1516239022}`)) + "." +
		base64.RawURLEncoding.EncodeToString(payloadtest.RandomBytes(30, 256))
	pgpSig := armor("SIGNATURE", pgpPacket(2, payloadtest.RandomBytes(31, 540)))
	code := strings.Repeat("for(i=0;i<len;i++){total+=values[i]*weights[i];}\n", 30)
	tests := []struct{ name, text string }{
		{"hash list", hashes.String()},
		{"base64 hash list", b64Hashes.String()},
		{"git log", gitLog.String()},
		{"message IDs", ids.String()},
		{"UUIDs", uuids.String()},
		{"URLs with base64 parameters", urls.String()},
		{"certificate", proseBefore + cert + proseAfter},
		{"certificate and key", cert + "\n" + key},
		{"SSH keys", sshKey(2048) + "\n" + sshKey(4096) + "\n" + sshKey(8192)},
		{"JWT", "Authorization: Bearer " + jwt + "\n"},
		{"PGP signature then prose", "Signed text.\n\n" + pgpSig + "\n" + proseAfter},
		{"code", code},
		{"Japanese", strings.Repeat(japaneseText, 40)},
		{"random base64 paragraphs", payloadtest.Paragraphs(base64.StdEncoding.EncodeToString(payloadtest.RandomBytes(32, 3000)), 600, 76)},
		{"random hex", payloadtest.HexPlain(payloadtest.RandomBytes(33, 3000))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Find(tt.text, Options{})
			checkInvariants(t, tt.text, Options{}, got)
			for _, b := range got {
				t.Errorf("unexpected %s block (%s) %q", b.Kind, b.Type, abbrev(tt.text[b.Start:b.End]))
			}
		})
	}
}

func sshString(s string) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(s))), s...)
}

// testCertificate returns a self-signed certificate with a long subject
// (so its PEM is over MinBase64) and its private key, both as PEM.
func testCertificate(t *testing.T) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for i := range 40 {
		names = append(names, fmt.Sprintf("host%d.city.example.lg.jp", i))
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "city.example.lg.jp", Organization: []string{"Example City"}},
		DNSNames:     names,
		NotBefore:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk}))
}

// TestSpreadRealignBudget: a run whose every line starts a would-be file
// out of step with the run is not checked line by line without end; past
// maxRealign lines it is taken for a payload.
func TestSpreadRealignBudget(t *testing.T) {
	// "TVqQ" is "MZ\x90"; 17 digits a line put most line starts out of
	// step with the run (17 is not a multiple of 4).
	text := proseBefore + strings.Repeat("TVqQAAMAAAAEAAAAx\n", 4*(maxRealign+1)) + proseAfter
	got := Find(text, Options{})
	checkInvariants(t, text, Options{}, got)
	if len(got) != 1 || got[0].Kind != Base64 || got[0].Start != len(proseBefore) {
		t.Fatalf("got %d blocks", len(got))
	}
	few := proseBefore + strings.Repeat("TVqQAAMAAAAEAAAAx\n", 8) + proseAfter
	if got := Find(few, Options{}); len(got) != 0 {
		t.Errorf("8 lines that are no executable: got %d blocks", len(got))
	}
}

// TestKeysHidingFiles: the exception for keys and certificates does not
// cover one that carries a file.
func TestKeysHidingFiles(t *testing.T) {
	exe := payloadtest.PE("SPREAD-EXE-MARKER", 24, 1500)
	blob := sshString("ssh-rsa")
	blob = append(blob, sshString(string(exe))...)
	text := "ssh-rsa " + base64.StdEncoding.EncodeToString(blob) + " taro@example.jp\n"
	got := Find(text, Options{})
	if len(got) != 1 || got[0].Type != exeType {
		t.Errorf("SSH key blob carrying an executable: got %d blocks", len(got))
	}
	pgp := armor("SIGNATURE", pgpPacket(2, exe))
	if got := Find(pgp, Options{}); len(got) != 1 {
		t.Errorf("PGP signature packet carrying an executable: got %d blocks", len(got))
	}
}

// TestMaxBlocks: past Options.MaxBlocks, the rest of the text is one
// TooMany block, and Find stops early (time and memory bounded).
func TestMaxBlocks(t *testing.T) {
	line := "=ybegin line=128 size=1 name=x.bin\n+\n=yend size=1\n"
	text := "Hello.\n" + strings.Repeat(line, 700) + "Bye.\n"
	for _, max := range []int{1, 7, 100} {
		got := Find(text, Options{MaxBlocks: max})
		checkInvariants(t, text, Options{MaxBlocks: max}, got)
		if len(got) != max+1 {
			t.Fatalf("MaxBlocks %d: got %d blocks", max, len(got))
		}
		rest := got[max]
		if rest.Kind != TooMany || rest.Start != len("Hello.\n")+max*len(line) || rest.End != len(text) || rest.Size != int64(rest.End-rest.Start) {
			t.Errorf("MaxBlocks %d: last block %s [%d,%d) size %d", max, rest.Kind, rest.Start, rest.End, rest.Size)
		}
	}
	if got := Find(strings.Repeat(line, 100), Options{}); len(got) != 100 || got[99].Kind != YEnc {
		t.Errorf("exactly 100 blocks: got %d", len(got))
	}
	// Blocks of different passes count together.
	exe := payloadtest.PE("SPREAD-EXE-MARKER", 25, 300)
	mixed := strings.Repeat(line+"\n"+payloadtest.HexPlain(exe)+"\n", 3)
	got := Find(mixed, Options{MaxBlocks: 4})
	checkInvariants(t, mixed, Options{MaxBlocks: 4}, got)
	if len(got) != 5 || got[1].Kind != Hex || got[4].Kind != TooMany {
		for _, b := range got {
			t.Logf("%s [%d,%d)", b.Kind, b.Start, b.End)
		}
		t.Errorf("mixed: got %d blocks", len(got))
	}
}

// TestSpreadStream: a file cut into pieces kept apart by lines of prose,
// the first too small to be judged alone, is found in the stream of the
// text's data lines, which grep '^[A-Za-z0-9+/=]*$' would join again.
func TestSpreadStream(t *testing.T) {
	exe := payloadtest.PE("SPREAD-EXE-MARKER", 26, 1200)
	b64 := base64.StdEncoding.EncodeToString(exe)
	pieces := "TVqQ\n" + "This line of prose keeps the pieces apart, and so does the next.\n" +
		payloadtest.Wrap(b64[4:800], 76) + "Another line of prose that no run would take for data.\n" + payloadtest.Wrap(b64[800:], 76)
	text := proseBefore + pieces + proseAfter
	got := Find(text, Options{})
	checkInvariants(t, text, Options{}, got)
	// The block runs to the last line that could be data ("Taro"), and
	// its data to the end of that stream.
	if len(got) != 1 || got[0].Start != len(proseBefore) || got[0].End < len(proseBefore)+len(pieces) ||
		got[0].Type != exeType || !bytes.HasPrefix(got[0].Data, exe) {
		for _, b := range got {
			t.Logf("%s %s [%d,%d) %d bytes", b.Kind, b.Type, b.Start, b.End, len(b.Data))
		}
		t.Fatalf("got %d blocks, want one over the pieces [%d,%d)", len(got), len(proseBefore), len(proseBefore)+len(pieces))
	}
}

// TestFileStart: the cheap first test passes the start of every file
// the embedded scan looks for, and not random bytes.
func TestFileStart(t *testing.T) {
	for _, m := range fileMarkers() {
		if !fileStart(append([]byte(m), make([]byte, 16)...)) {
			t.Errorf("%q is not a file start", m)
		}
	}
	for _, f := range [][]byte{payloadtest.PE("x", 1, 100), payloadtest.Zip("a", []byte("b")), []byte("<!DOCTYPE html><html>")} {
		if !fileStart(f) {
			t.Errorf("%q… is not a file start", f[:8])
		}
	}
	n := 0
	r := payloadtest.RandomBytes(50, 1<<20)
	for i := 0; i+16 <= len(r); i += 16 {
		if fileStart(r[i : i+16]) {
			n++
		}
	}
	if n > 10 { // "MZ" alone: 1 in 65,536
		t.Errorf("%d of 65,536 random 16-byte strings pass", n)
	}
}

// TestMayHoldCoreIsExact checks classify's quick way out against its full
// path: on random lines of prose, data, blanks and padding, a line
// mayHoldCore turns away is one classifyCore finds of no kind.
func TestMayHoldCoreIsExact(t *testing.T) {
	pieces := []string{" ", "  ", "\t", "\r", "=", "==", "~>", "AAAA", "Zm9v", "0f3a", "QUJD", "a", "the ", "word", ".", ",", "\"", "9:", "0000", "|", "-", "日本"}
	rng := mrand.New(mrand.NewPCG(8, 9))
	encs := spreadEncodings()
	turned := 0
	for range 30000 {
		var sb strings.Builder
		for k := rng.IntN(50); k > 0; k-- {
			sb.WriteString(pieces[rng.IntN(len(pieces))])
		}
		l := strings.TrimRight(sb.String(), " \t\r")
		for i := range encs {
			e := &encs[i]
			if !e.mayHoldCore(l) {
				turned++
				if got := e.classifyCore(l); got != (lineInfo{}) {
					t.Fatalf("%v: %q turned away, but its full classification is %+v", e.kind, l, got)
				}
			}
		}
	}
	if turned == 0 {
		t.Fatal("no line was turned away: the test tests nothing")
	}
}

// labelShapeString is the shape of a label as a string, the way
// sameLabelShape compared labels before it compared them word by word.
func labelShapeString(label string) string {
	var b strings.Builder
	for i := 0; i < len(label); {
		j := i
		digit := false
		for j < len(label) && isAlnum(label[j]) {
			digit = digit || label[j] >= '0' && label[j] <= '9'
			j++
		}
		switch {
		case j == i:
			b.WriteByte(label[i])
			j++
		case digit:
			b.WriteByte('9')
		default:
			b.WriteString(label[i:j])
		}
		i = j
	}
	return b.String()
}

func TestSameLabelShape(t *testing.T) {
	pieces := []string{"9", "10", "a", "ab", "x1", ":", " ", "\t", "0000", "X-PART", "-", "日"}
	rng := mrand.New(mrand.NewPCG(10, 11))
	label := func() string {
		var sb strings.Builder
		for k := rng.IntN(5); k > 0; k-- {
			sb.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return sb.String()
	}
	for range 20000 {
		a, b := label(), label()
		if got, want := sameLabelShape(a, b), labelShapeString(a) == labelShapeString(b); got != want {
			t.Fatalf("sameLabelShape(%q, %q) = %v, want %v", a, b, got, want)
		}
	}
	if !sameLabelShape("00000490:", "000004a0:") || !sameLabelShape("9\t", "10\t") || sameLabelShape("a:", "b:") {
		t.Error("the documented cases")
	}
}
