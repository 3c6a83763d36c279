package payload

import (
	"strings"
	"unicode/utf8"
)

// Kind names the encoding a payload block was found in.
type Kind string

// The kinds of block Find reports.
const (
	UUEncode Kind = "uuencode"
	BinHex   Kind = "binhex"
	YEnc     Kind = "yenc"
	Base64   Kind = "base64"
	EICAR    Kind = "eicar"
)

// Block is one payload found in a text. It always spans whole lines, so the
// caller can cut text[Start:End] and keep the rest of the text well formed.
type Block struct {
	Kind Kind
	// Name is the file name from the block header when it has one
	// (uuencode, yEnc, BinHex; the literal-data name of an OpenPGP message),
	// else "". It is valid UTF-8 without control characters, but otherwise
	// as the sender wrote it: treat it as untrusted display text.
	Name string
	// Start is the byte offset of the start of the block's first line.
	Start int
	// End is the byte offset just after the block: after its last line's
	// "\n", or len(text).
	End int
	// Data is the decoded content, capped at Options.MaxDecoded bytes. It is
	// nil when the block could not be decoded (a BinHex block with a bad
	// header). For EICAR it is the 68-byte test file.
	Data []byte
	// Size is the decoded size when known (which may exceed len(Data) when
	// Data was capped), else the encoded length End-Start.
	Size int64
}

// Options bounds what Find considers and keeps.
type Options struct {
	// MinBase64 is the smallest base64 block considered, in encoded
	// characters, whitespace excluded; 0 means 1024. Below it, base64 is
	// too short to be a useful file and too likely to be a hash, a token or
	// a signature. It also applies to runs of uuencode lines with no
	// "begin" line.
	MinBase64 int
	// MaxDecoded caps Block.Data; 0 means 16 MiB.
	MaxDecoded int
}

const (
	defaultMinBase64  = 1024
	defaultMaxDecoded = 16 << 20
	// maxDepth bounds how deep Find looks into text that base64 decoded to:
	// a payload hidden in base64 of base64 of text is found, one more layer
	// is judged only by whether it decodes to binary.
	maxDepth = 2
	// maxPrefix bounds the quote marks and indentation ("> > ", "\t")
	// accepted before a block header.
	maxPrefix = 32
	// maxName bounds Block.Name, in bytes.
	maxName = 255
)

func (o Options) withDefaults() Options {
	if o.MinBase64 <= 0 {
		o.MinBase64 = defaultMinBase64
	}
	if o.MaxDecoded <= 0 {
		o.MaxDecoded = defaultMaxDecoded
	}
	return o
}

// Find returns the payload blocks in text (valid UTF-8, "\n" line ends; a
// "\r" before the "\n" is tolerated), in order, non-overlapping, each
// spanning whole lines. It runs in time linear in len(text) and never
// panics, whatever the input.
func Find(text string, opt Options) []Block {
	return find(text, opt.withDefaults(), 0)
}

func find(text string, opt Options, depth int) []Block {
	s := scanner{text: text, opt: opt, depth: depth, prevStart: -1}
	s.run()
	return mergeBlocks(s.blocks, findEICAR(text, opt.MaxDecoded))
}

// scanner walks the text one line at a time. Each detector either returns
// a block (and the scan resumes after it) or says how far it looked, so that
// no line is examined by the same detector twice and the scan stays linear.
type scanner struct {
	text  string
	opt   Options
	depth int

	blocks []Block
	// prevStart is the start of the line before the current one when that
	// line is not part of a block, else -1; a base64 run may begin on it
	// (the "data:...;base64," line of a wrapped data URI).
	prevStart int
	// binhexScanned is the offset up to which ':'-framed BinHex data has
	// already been tried and rejected, so that every ':' line inside a
	// rejected run does not start a new scan of the same run.
	binhexScanned int
}

// line is one line of the text.
type line struct {
	start int    // offset of its first byte
	next  int    // offset just after its "\n" (or len(text))
	s     string // its content without "\n" and a final "\r"
}

func (s *scanner) line(pos int) line {
	rest := s.text[pos:]
	n := strings.IndexByte(rest, '\n')
	next := len(s.text)
	if n >= 0 {
		next = pos + n + 1
		rest = rest[:n]
	}
	rest = strings.TrimSuffix(rest, "\r")
	return line{start: pos, next: next, s: rest}
}

func (s *scanner) run() {
	for pos := 0; pos < len(s.text); {
		ln := s.line(pos)
		b, found, next := s.at(ln)
		if found {
			s.blocks = append(s.blocks, b)
			s.prevStart = -1
			pos = b.End
			continue
		}
		if next <= ln.start {
			next = ln.next // a detector must always make progress
		}
		if next == ln.next {
			s.prevStart = ln.start
		} else {
			s.prevStart = -1
		}
		pos = next
	}
}

// at tries every detector on the line ln. It returns a block starting at or
// before ln (never before an earlier block), or where to resume.
func (s *scanner) at(ln line) (Block, bool, int) {
	p := quotePrefix(ln.s)
	rest := ln.s[p:]
	if rest == "" {
		return Block{}, false, ln.next
	}
	switch rest[0] {
	case 'b':
		if name, b64, ok := parseUUHeader(rest); ok {
			if b, ok := s.uuencode(ln, ln.s[:p], name, b64); ok {
				return b, true, b.End
			}
			return Block{}, false, ln.next
		}
	case '=':
		if name, size, ok := parseYEncHeader(rest); ok {
			b := s.yenc(ln, ln.s[:p], name, size)
			return b, true, b.End
		}
	case '(':
		if isBinHexHeader(rest) {
			if b, ok := s.binhexAfterHeader(ln, ln.s[:p]); ok {
				return b, true, b.End
			}
			return Block{}, false, ln.next
		}
	case '-':
		if label, ok := pgpBegin(rest); ok {
			if b, found, next, ok := s.pgpArmor(ln, ln.s[:p], label); ok {
				return b, found, next
			}
			return Block{}, false, ln.next
		}
	case ':':
		if ln.start >= s.binhexScanned {
			b, found, next := s.binhexHeaderless(ln, ln.s[:p])
			if found {
				return b, true, b.End
			}
			s.binhexScanned = max(s.binhexScanned, next)
		}
	case 'M':
		if b, found, next := s.uuRun(ln, ln.s[:p]); found || next > ln.next {
			return b, found, next
		}
	}
	return s.base64At(ln)
}

// quotePrefix returns the length of the quote marks and indentation that
// start l: mail clients quote replies with "> " (RFC 3676 §4.5), and people
// indent pasted blocks. Base64 ignores them; uuencode, yEnc and BinHex blocks
// must repeat the exact prefix of their header line on every line.
func quotePrefix(l string) int {
	i := 0
	for i < len(l) && i < maxPrefix && (l[i] == '>' || l[i] == ' ' || l[i] == '\t') {
		i++
	}
	return i
}

// mergeBlocks merges two ordered lists of whole-line blocks. A block of b
// that lies inside a block of a is dropped (an EICAR line inside a yEnc
// block is already cut with it); whole-line blocks either nest or are
// disjoint, so nothing else can overlap.
func mergeBlocks(a, b []Block) []Block {
	if len(b) == 0 {
		return a
	}
	out := make([]Block, 0, len(a)+len(b))
	i := 0
	for _, x := range b {
		for i < len(a) && a[i].End <= x.Start {
			out = append(out, a[i])
			i++
		}
		if i < len(a) && a[i].Start < x.End {
			continue // overlaps a[i]: a[i] already covers it
		}
		out = append(out, x)
	}
	return append(out, a[i:]...)
}

// cleanName makes a header file name safe to carry in a Block: valid UTF-8,
// no control characters, at most maxName bytes.
func cleanName(name string) string {
	name = strings.ToValidUTF8(name, "\uFFFD")
	var b strings.Builder
	for _, r := range name {
		if r < 0x20 || r == 0x7F || (r >= 0x80 && r < 0xA0) {
			continue
		}
		if b.Len()+utf8.RuneLen(r) > maxName {
			break
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

// appendCapped appends c to dst unless dst already holds limit bytes.
func appendCapped(dst []byte, limit int, c byte) []byte {
	if len(dst) < limit {
		dst = append(dst, c)
	}
	return dst
}
