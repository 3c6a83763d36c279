package payload

import "strings"

// eicarFile is the EICAR anti-virus test file (eicar.org, "Anti-Malware
// Testfile"): 68 printable bytes that are also a valid DOS program, which
// every virus scanner reports. Its presence means someone is testing the
// gateway, or smuggling a "program" through it as text.
const eicarFile = `X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`

// eicarCore is the distinctive middle of eicarFile, short enough for the
// vectorised substring search of package strings.
const eicarCore = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE"

// eicarCoreAt is where eicarCore starts within eicarFile.
const eicarCoreAt = 28

// findEICAR returns a block for each line that holds the EICAR test file,
// anywhere in the line and whatever surrounds it, up to limit blocks.
func findEICAR(text string, maxData, limit int) []Block {
	var blocks []Block
	for pos := 0; pos < len(text) && len(blocks) < limit; {
		i := strings.Index(text[pos:], eicarCore)
		if i < 0 {
			break
		}
		i += pos
		pos = i + len(eicarCore)
		at := i - eicarCoreAt
		if at < 0 || !strings.HasPrefix(text[at:], eicarFile) {
			continue
		}
		start := strings.LastIndexByte(text[:at], '\n') + 1
		end := len(text)
		if n := strings.IndexByte(text[at:], '\n'); n >= 0 {
			end = at + n + 1
		}
		blocks = append(blocks, Block{Kind: EICAR, Start: start, End: end, Data: []byte(eicarFile[:min(len(eicarFile), maxData)]), Size: int64(len(eicarFile))})
		pos = end
	}
	return blocks
}
