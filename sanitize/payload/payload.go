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
	Hex      Kind = "hex"
	Base32   Kind = "base32"
	ASCII85  Kind = "ascii85"
	// TooMany is not a payload but the rest of a text that holds more
	// than Options.MaxBlocks of them: from the start of the first block
	// over the limit to the end of the text, cut without being read
	// further, so that a text of many tiny payloads costs bounded time
	// and memory (and a bounded notice) and still leaks none.
	TooMany Kind = "too-many"
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
	// Type is the media type of the file Data is, or holds, when one of
	// the kinds of signature.go was recognised (always, for blocks of the
	// spread pass); else "".
	Type string
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
	// MaxBlocks is the most blocks returned one by one; 0 means 100.
	// The rest of a text that holds more is returned as one TooMany
	// block.
	MaxBlocks int
}

const (
	defaultMinBase64  = 1024
	defaultMaxDecoded = 16 << 20
	defaultMaxBlocks  = 100
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
	if o.MaxBlocks <= 0 {
		o.MaxBlocks = defaultMaxBlocks
	}
	return o
}

// Find returns the payload blocks in text (valid UTF-8, "\n" line ends; a
// "\r" before the "\n" is tolerated), in order, non-overlapping, each
// spanning whole lines; after Options.MaxBlocks of them, the rest of the
// text is one TooMany block. It runs in time linear in len(text) and never
// panics, whatever the input.
func Find(text string, opt Options) []Block {
	return find(text, opt.withDefaults(), 0)
}

func find(text string, opt Options, depth int) []Block {
	// Each pass stops once it has found more than MaxBlocks blocks; up to
	// the start of its last one, what it found is complete.
	limit := opt.MaxBlocks
	s := scanner{text: text, opt: opt, depth: depth, prevStart: -1}
	s.run()
	eicar := findEICAR(text, opt.MaxDecoded, limit+1)
	stop := len(text)
	for _, b := range [][]Block{s.blocks, eicar} {
		if len(b) > limit {
			stop = min(stop, b[limit].Start)
		}
	}
	blocks := mergeBlocks(s.blocks, eicar)
	spread, spreadStop := s.spread(blocks, stop, limit)
	return capBlocks(text, unionBlocks(blocks, spread), limit, min(stop, spreadStop))
}

// capBlocks keeps the blocks that start before stop, at most limit of
// them, and makes the rest of the text, from the first block not kept (or
// stop), one TooMany block.
func capBlocks(text string, blocks []Block, limit, stop int) []Block {
	n := 0
	for n < len(blocks) && n < limit && blocks[n].Start < stop {
		n++
	}
	if n < len(blocks) {
		stop = min(stop, blocks[n].Start)
	}
	blocks = blocks[:n]
	if stop >= len(text) {
		return blocks
	}
	if n > 0 {
		// A kept block may run past stop: the rest starts after it.
		stop = max(stop, blocks[n-1].End)
	}
	if stop >= len(text) {
		return blocks
	}
	return append(blocks, Block{Kind: TooMany, Start: stop, End: len(text), Size: int64(len(text) - stop)})
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
	// searched are the spans, in order, of base64 the line pass decoded
	// to text and searched for payloads: the spread pass need not search
	// the same text again.
	searched [][2]int
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
	for pos := 0; pos < len(s.text) && len(s.blocks) <= s.opt.MaxBlocks; {
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

// unionBlocks merges two ordered lists of whole-line blocks that may
// overlap: overlapping blocks become one, with the fields of the first.
func unionBlocks(a, b []Block) []Block {
	if len(b) == 0 {
		return a
	}
	out := make([]Block, 0, len(a)+len(b))
	for i, j := 0, 0; i < len(a) || j < len(b); {
		var x Block
		if j == len(b) || (i < len(a) && a[i].Start <= b[j].Start) {
			x, i = a[i], i+1
		} else {
			x, j = b[j], j+1
		}
		if n := len(out); n > 0 && x.Start < out[n-1].End {
			out[n-1].End = max(out[n-1].End, x.End)
			continue
		}
		out = append(out, x)
	}
	return out
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
