// Package office turns Office Open XML (ECMA-376: .docx, .docm, .dotx,
// .xlsx, .xlsm, .pptx, .pptm), the legacy binary formats of Office 97–2003
// ([MS-DOC] .doc, [MS-XLS] .xls, [MS-PPT] .ppt), OpenDocument (ODF 1.2/1.3:
// .odt, .ods, .odp) and RTF (RTF 1.9.1) documents into plain UTF-8 text.
//
// It is mugai's Office converter: an attachment is flattened to its text so
// that staff on the closed side keep the content while nothing of the
// original file — markup, macros, embedded objects, links that fetch
// something when the file is opened — crosses the boundary. What was
// present but not converted is named in Result.Removed, so the notice can
// say so.
//
// # How
//
// Detect decides the kind from the content only: an OOXML package's main
// part is found through the package relationships (_rels/.rels, ECMA-376
// Part 2 §9.3) and its content type in [Content_Types].xml (Part 2 §10.1.2);
// an ODF package by its "mimetype" entry (ODF 1.2 Part 3 §3.3) or the root
// entry of its manifest; RTF by its "{\rtf" header (RTF 1.9.1, "RTF Syntax");
// a legacy binary file by the stream at the root of its OLE2 compound file
// ([MS-CFB], read with github.com/richardlehane/mscfb): "WordDocument",
// "Workbook" or "Book", "PowerPoint Document". A password-protected OOXML
// file, which is a compound file too ("EncryptedPackage"), is recognised
// so that Extract can say ErrEncrypted.
//
// The legacy streams are read by bounded readers of our own: Word's File
// Information Block and piece table, with 8-bit and UTF-16 pieces, and the
// code page of the document's language for Word 6.0/95 (word97.go); Excel's
// BIFF8 and BIFF5 records — shared strings across CONTINUE records, labels,
// numbers, dates, booleans, cached formula results, sheet names (biff.go);
// PowerPoint's records, following the current edit's persist directory to
// the slides, their placeholders, text boxes and notes (ppt.go). A stream
// is never longer than the file that holds it, reading stops when a piece
// table or sheet offsets would read the same bytes over again, and record
// nesting is bounded.
//
// XML parts are streamed token by token with encoding/xml's Decoder; no part
// is held as a tree, and memory is bounded by the largest token plus the
// text produced. encoding/xml expands only the five predefined entities and
// character references, so entity-expansion bombs ("billion laughs") and
// external entities cannot occur. Markup Compatibility alternate content
// (ECMA-376 Part 3 §10.2) is resolved the way Office resolves it — the first
// mc:Choice, else the mc:Fallback — so a text box stored twice is read once.
// RTF is read by a small bounded reader of its own (rtf.go).
//
// # Limits
//
// Every size an attacker controls has a bound (Limits): zip entry count,
// uncompressed bytes per part and over the document (counted while reading,
// since declared sizes lie), compression ratio, XML and RTF nesting depth,
// spreadsheet rows and columns (1048576 × 16384, as in Excel and
// LibreOffice, so a repetition count of 10^9 costs nothing), and the text
// returned. A tripped bound is a *LimitError, except the output bound,
// which cuts the text and sets Result.Truncated. Duplicate zip entry names
// (two "word/document.xml", or two names that differ only in ASCII case,
// which OPC treats as the same part, ECMA-376 Part 2 §9.1.1.1.2) are
// refused as corrupt, since two readers could pick different ones.
//
// # Text
//
// The text is valid UTF-8 with "\n" line ends, without C0/C1 control
// characters (other than tab and line feed), U+FEFF and bidirectional
// embedding, override and isolate controls. Unicode normalization is left
// to the caller's text cleaning. Paragraphs are lines; trailing spaces are
// trimmed and runs of blank lines collapse to one. Text that is not part of
// the flow follows it under marker lines such as "--- footnotes ---",
// "--- comments ---", "--- slide 3 ---" or "--- sheet: 見積 ---"; a
// section with no text has no marker.
//
//   - Word (docx, docm, dotx): the main document, then the headers and
//     footers its sections use (each text once), footnotes ("[1] ..."),
//     endnotes ("[i] ..."), comments ("author: ..."). Table rows are lines
//     with " | " between non-empty cells; nested tables continue their
//     cell. List labels are rendered from the numbering part ("1.", "a)",
//     "①", "•"). Text boxes are read once, before the paragraph that
//     anchors them. Deleted and moved-away text of tracked changes and
//     hidden text (w:vanish) are not shown; inserted text is. Fields show
//     their result, never their instruction. Ruby reads "漢字(かんじ)".
//   - Excel (xlsx, xlsm): each sheet in workbook order ("(hidden)" when
//     hidden), one line per non-empty row with cells at their column
//     positions separated by tabs, so columns line up and the text pastes
//     back into a spreadsheet; strings, numbers as written, TRUE/FALSE,
//     error codes and cached formula results, never formulas; numbers in a
//     date format as ISO dates. Then the sheet's text boxes and comments.
//   - PowerPoint (pptx, pptm): each slide in presentation order, its
//     shapes' text, tables and SmartArt text, then its speaker notes and
//     comments.
//   - ODF: text documents as Word (headers and footers from styles.xml,
//     notes inline as "[1]" and listed after the text); spreadsheets as
//     Excel (the displayed text of each cell, repetitions honoured within
//     the sheet size); presentations as PowerPoint (draw:page per slide).
//   - Legacy Word (.doc): the main text, then footnotes, headers and
//     footers (each paragraph once), comments, endnotes and text boxes
//     under their headings; tables as for docx, fields by their result.
//   - Legacy Excel (.xls): as xlsx, with the sheet's text boxes and
//     comments under "--- comments: name ---".
//   - Legacy PowerPoint (.ppt): as pptx: each slide's placeholder and
//     text box text, then its notes.
//   - RTF: text in the document's and each font's code page (\ansicpgN,
//     \fcharsetN; Shift_JIS through sanitize/charset), \uN with \ucN
//     fallbacks, tables, headers and footers, footnotes, annotations,
//     field results; font, colour and style tables, document information,
//     pictures, object data and unknown \* destinations are skipped (\*
//     marks such a destination only right after a group's opening brace).
//
// # Removed
//
// Result.Removed uses these words: "macro (VBA)", "macro (Excel 4.0)",
// "macro (Basic)", "macro (script)", "macro (event handler)", "OLE object",
// "ActiveX control", "applet", "plugin", "embedded file", "external
// template", "external link", "external data connection", "remote image",
// "DDE field", "DDE link", "program action". Hyperlinks are not listed:
// they are shown as their text and fetch nothing by themselves.
//
// The package keeps no mutable state; every call works on its own data.
package office
