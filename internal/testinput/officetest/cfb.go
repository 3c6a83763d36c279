package officetest

import (
	"encoding/binary"
	"slices"
	"strings"
	"unicode/utf16"
)

// Stream is one stream of a compound file: its path, whose slashes name
// the storages on the way ("Macros/VBA/dir"), and its bytes.
type Stream struct {
	Path string
	Data []byte
}

// Compound file constants ([MS-CFB] §2.1, §2.2).
const (
	sectorSize     = 512
	miniSectorSize = 64
	miniCutoff     = 4096
	freeSect       = 0xFFFFFFFF
	endOfChain     = 0xFFFFFFFE
	fatSect        = 0xFFFFFFFD
	noStream       = 0xFFFFFFFF
)

type cfbNode struct {
	name     string
	typ      byte // 1 storage, 2 stream, 5 root
	data     []byte
	children []int
	start    uint32
	size     uint32
	right    uint32
	child    uint32
}

// CompoundFile writes a version 3 compound file ([MS-CFB]: 512-byte
// sectors, 64-byte mini sectors) holding the streams, the way the legacy
// Office formats are stored. Streams under the 4096-byte cutoff live in
// the mini stream (§2.3 MiniFAT), larger ones in regular sectors chained
// by the FAT. The children of each storage are chained as right siblings
// in the directory's sort order (§2.6.4: by name length, then by upper-
// case name); the tree is not balanced, which readers do not require.
// It handles files of up to 109 FAT sectors (about 7 MB), enough for
// tests.
func CompoundFile(streams ...Stream) []byte {
	le := binary.LittleEndian
	nodes := []*cfbNode{{name: "Root Entry", typ: 5}}
	dirs := map[string]int{"": 0}
	for _, s := range streams {
		parts := strings.Split(s.Path, "/")
		parent := 0
		for i := range parts[:len(parts)-1] {
			p := strings.Join(parts[:i+1], "/")
			k, ok := dirs[p]
			if !ok {
				k = len(nodes)
				nodes = append(nodes, &cfbNode{name: parts[i], typ: 1})
				nodes[parent].children = append(nodes[parent].children, k)
				dirs[p] = k
			}
			parent = k
		}
		k := len(nodes)
		nodes = append(nodes, &cfbNode{name: parts[len(parts)-1], typ: 2, data: s.Data})
		nodes[parent].children = append(nodes[parent].children, k)
	}
	for _, n := range nodes {
		n.right, n.child = noStream, noStream
	}
	for _, n := range nodes {
		slices.SortFunc(n.children, func(a, b int) int {
			x, y := utf16.Encode([]rune(nodes[a].name)), utf16.Encode([]rune(nodes[b].name))
			if len(x) != len(y) {
				return len(x) - len(y)
			}
			return strings.Compare(strings.ToUpper(nodes[a].name), strings.ToUpper(nodes[b].name))
		})
		for i, c := range n.children {
			if i == 0 {
				n.child = uint32(c)
			}
			if i+1 < len(n.children) {
				nodes[c].right = uint32(n.children[i+1])
			}
		}
	}

	// The mini stream and its FAT.
	var mini []byte
	var miniFAT []uint32
	for _, n := range nodes {
		n.start, n.size = endOfChain, uint32(len(n.data))
		if n.typ != 2 || len(n.data) == 0 || len(n.data) >= miniCutoff {
			continue
		}
		n.start = uint32(len(miniFAT))
		count := (len(n.data) + miniSectorSize - 1) / miniSectorSize
		for i := range count {
			next := uint32(len(miniFAT) + 1)
			if i == count-1 {
				next = endOfChain
			}
			miniFAT = append(miniFAT, next)
		}
		mini = append(mini, pad(n.data, miniSectorSize)...)
	}

	// Regular sectors after the FAT: mini FAT, directory, mini stream,
	// large streams.
	sectors := func(n int) int { return (n + sectorSize - 1) / sectorSize }
	type chain struct {
		first uint32
		data  []byte
	}
	var chains []chain
	var body []byte
	next := 0 // sector number relative to the end of the FAT
	add := func(data []byte) int {
		if len(data) == 0 {
			return -1
		}
		start := next
		chains = append(chains, chain{first: uint32(start), data: data})
		body = append(body, pad(data, sectorSize)...)
		next += sectors(len(data))
		return start
	}
	miniFATBytes := make([]byte, 4*len(miniFAT))
	for i, v := range miniFAT {
		le.PutUint32(miniFATBytes[4*i:], v)
	}
	miniFATStart := add(miniFATBytes)
	dirBytes := make([]byte, 128*len(nodes))
	dirStart := add(dirBytes) // filled in below, once sector numbers are known
	miniStart := add(mini)
	large := map[*cfbNode]int{}
	for _, n := range nodes {
		if n.typ == 2 && len(n.data) >= miniCutoff {
			large[n] = add(n.data)
		}
	}
	nFAT := (next + 126) / 127
	if next == 0 {
		nFAT = 1
	}
	abs := func(rel int) uint32 {
		if rel < 0 {
			return endOfChain
		}
		return uint32(nFAT + rel)
	}
	nodes[0].start, nodes[0].size = abs(miniStart), uint32(len(mini))
	for n, rel := range large {
		n.start = abs(rel)
	}
	for i, n := range nodes {
		e := dirBytes[128*i : 128*(i+1)]
		u := utf16.Encode([]rune(n.name))
		for j, c := range u[:min(len(u), 31)] {
			le.PutUint16(e[2*j:], c)
		}
		le.PutUint16(e[0x40:], uint16(2*min(len(u), 31)+2))
		e[0x42], e[0x43] = n.typ, 1
		le.PutUint32(e[0x44:], noStream)
		le.PutUint32(e[0x48:], n.right)
		le.PutUint32(e[0x4C:], n.child)
		le.PutUint32(e[0x74:], n.start)
		le.PutUint32(e[0x78:], n.size)
	}
	copy(body[sectorSize*dirStart:], dirBytes)

	fat := make([]uint32, nFAT*sectorSize/4)
	for i := range fat {
		fat[i] = freeSect
	}
	for i := range nFAT {
		fat[i] = fatSect
	}
	for _, c := range chains {
		count := sectors(len(c.data))
		for i := range count {
			s := abs(int(c.first)) + uint32(i)
			fat[s] = s + 1
			if i == count-1 {
				fat[s] = endOfChain
			}
		}
	}

	out := make([]byte, sectorSize, sectorSize*(1+nFAT)+len(body))
	h := out
	copy(h, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
	le.PutUint16(h[0x18:], 0x3E)
	le.PutUint16(h[0x1A:], 3)
	le.PutUint16(h[0x1C:], 0xFFFE)
	le.PutUint16(h[0x1E:], 9)
	le.PutUint16(h[0x20:], 6)
	le.PutUint32(h[0x2C:], uint32(nFAT))
	le.PutUint32(h[0x30:], abs(dirStart))
	le.PutUint32(h[0x38:], miniCutoff)
	le.PutUint32(h[0x3C:], abs(miniFATStart))
	le.PutUint32(h[0x40:], uint32(sectors(len(miniFATBytes))))
	le.PutUint32(h[0x44:], endOfChain)
	for i := range 109 {
		v := uint32(freeSect)
		if i < nFAT {
			v = uint32(i)
		}
		le.PutUint32(h[0x4C+4*i:], v)
	}
	for _, v := range fat {
		out = le.AppendUint32(out, v)
	}
	return append(out, body...)
}

// pad returns b extended with zeros to a multiple of n.
func pad(b []byte, n int) []byte {
	if r := len(b) % n; r != 0 {
		return append(append([]byte(nil), b...), make([]byte, n-r)...)
	}
	return b
}
