// Package fuzz holds mugai's fuzz targets, all in one place: the
// sanitizer, each converter, the text layers under them, the
// configuration and the SMTP session. Each target asserts the properties
// its package documents, not only "no panic":
//
//	FuzzSanitize       whole messages: output invariants, bounded size and time, idempotence
//	FuzzSMTPSession    SMTP transcripts on loopback: no leak, no 250 without a delivery, no smuggling
//	FuzzConfig         the YAML file: a usable Config or errors with file and line
//	FuzzCharsetDecode  charset.Decode: valid, deterministic, bounded UTF-8
//	FuzzFilename       RFC 2045/2231/2047 file names: no CR, LF, NUL, bidi or path
//	FuzzTextClean      textclean.Text, Line, Filename: NFC, removals, idempotence
//	FuzzHTMLToText     htmltext.Convert: layout, no controls, no unsafe links
//	FuzzPayload        payload.Find: ordered whole-line blocks within the limits
//	FuzzPayloadSpread  payload.Find: a file in any spread-out shape lies in a block
//	FuzzPDFText        pdftext.Extract on whole files
//	FuzzPDFContent     pdftext.Extract on content streams and CMaps in a valid file
//	FuzzOOXML          office.Extract on one part inside a valid package, or whole files
//	FuzzZip            archive.Walk: clean paths, limits, bombs stop
//	FuzzTNEF           tnef.Decode: clean names and text, limits, copies
//	FuzzImage          imagesafe.Reencode: clean PNG/JPEG, pixel limit, no polyglot tail
//	FuzzFlatten        flatten.Convert: well-formed results, shared budget, no dropped bytes in text
//
// Seeds are built by the targets (with the test-input builders the
// packages' own tests use: archivetest, imagetest, officetest,
// payloadtest, pdftest, tneftest), taken from testdata, and, when the
// shared corpus is present (MUGAI_CORPUS or ../shared/corpus), taken from
// its messages and their attachments, read in place. Inputs that once
// failed are kept in testdata/fuzz/<Target>/ and run by every "go test".
//
// Run one target with
//
//	go test ./fuzz -run '^$' -fuzz '^FuzzFlatten$' -fuzztime 10m
//
// docs/fuzzing.md has the long runs and what they found.
package fuzz
