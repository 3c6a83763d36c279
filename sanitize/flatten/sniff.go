package flatten

import (
	"bytes"

	"github.com/gabriel-vasile/mimetype"

	"github.com/mugai/mugai/sanitize/mediatype"
)

// SniffBytes is how much of a file Sniff needs: the PDF header may stand
// anywhere in the first kilobyte, and the zip-based Office formats name
// their parts in the first local file headers.
const SniffBytes = 8 << 10

// Sniff names the kind of a file from its first bytes alone. It is for a
// conversion that did not finish — a converter process that timed out,
// crashed or hit a limit reports no kind — so that the notice still says
// what the file was ("PDF", not an unknown binary). Detect, which sees the
// whole file, is the authority whenever a converter ran to the end.
func Sniff(head []byte) Kind {
	head = head[:min(len(head), SniffBytes)]
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		// A truncated zip has no central directory for office.Detect;
		// mimetype reads the names of the first entries instead.
		for m := mimetype.Detect(head); m != nil; m = m.Parent() {
			if k := Kind(mediatype.Lookup(m.String()).Kind); k.family() == familyOffice {
				return k
			}
		}
	}
	return Detect(head)
}
