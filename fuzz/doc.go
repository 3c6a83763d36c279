// Package fuzz holds mugai's fuzz targets, all in one place: the
// sanitizer, each converter, the text layers under them, the
// configuration and the SMTP session. Each target asserts the properties
// its package documents, not only "no panic":
//
//	FuzzSanitize       whole messages: output invariants (invisible characters, encoded words and
//	                   local parts in address fields among them), bounded size and time, idempotence
//	FuzzSMTPSession    SMTP transcripts on loopback: no leak, no 250 without a delivery, no smuggling, canonical addresses
//	FuzzSMTPEnvelope   MAIL/RCPT arguments: the next hop gets one well-formed path per command, relay-checked
//	FuzzConfig         the YAML file: a usable Config or errors with file and line
//	FuzzCharsetDecode  charset.Decode and DecodeCarrier: valid, deterministic, bounded UTF-8, counted U+FFFD
//	FuzzFilename       RFC 2045/2231/2047 file names: no CR, LF, NUL, bidi or path
//	FuzzTextClean      textclean.Text, Line, Filename: NFC, removals, idempotence
//	FuzzHTMLToText     htmltext.Convert: layout, no controls, no unsafe links
//	FuzzDefangText     htmltext.DefangText, NeutralizeText: no clickable address left, idempotent
//	FuzzPayload        payload.Find: ordered whole-line blocks within the limits
//	FuzzPayloadSpread  payload.Find: a file in any spread-out shape lies in a block
//	FuzzPDFText        pdftext.Extract on whole files
//	FuzzPDFContent     pdftext.Extract on content streams and CMaps in a valid file
//	FuzzOOXML          office.Extract on one part inside a valid package, or whole files
//	FuzzLegacyOffice   office.Extract on one stream of a valid .doc, .xls or .ppt, or whole compound files
//	FuzzZip            archive.Walk: clean paths, limits, bombs stop
//	FuzzEncryptedZip   archive.OpenEncrypted, Check, Decrypt: wrong password vs damaged, a plain zip Walk reads
//	FuzzTNEF           tnef.Decode: clean names and text, limits, copies
//	FuzzImage          imagesafe.Reencode: clean PNG/JPEG, pixel limit, no polyglot tail
//	FuzzFlatten        flatten.Convert: well-formed results, shared budget, no dropped bytes in text
//	FuzzAuthResults    auth: upstream Authentication-Results taken only under the trusted id; one-line header out
//	FuzzFromHeader     auth: the From field read as one domain or a problem; findings that name what they compare
//	FuzzPasswordCandidates ppap.Candidates: bounded, unique, printable ASCII, found in the text
//
// Seeds are built by the targets (with the test-input builders the
// packages' own tests use: archivetest, imagetest, officetest,
// payloadtest, pdftest, tneftest), taken from testdata, and, when the
// shared corpus is present (MUGAI_CORPUS or ../shared/corpus), taken from
// its messages, their attachments and header fields, read in place. Inputs that once
// failed are kept in testdata/fuzz/<Target>/ and run by every "go test".
//
// Run one target with
//
//	go test ./fuzz -run '^$' -fuzz '^FuzzFlatten$' -fuzztime 10m
//
// docs/fuzzing.md has the long runs and what they found.
package fuzz
