// Package pdftext extracts the text of a PDF file as plain UTF-8, for a
// sanitizing gateway that rebuilds attachments as text: nothing of the
// original file is passed on, only the characters its pages show.
//
// The reader is written for hostile input. It implements the parts of ISO
// 32000-1 (PDF 1.7) that text extraction needs, each bounded:
//
//   - file structure (§7.5): cross-reference tables and streams, hybrid
//     files, incremental updates (/Prev chains, with cycle detection), and
//     reconstruction of a damaged table by scanning for objects;
//   - objects (§7.3) with a cache, object streams (§7.5.7), and a nesting
//     bound; reference cycles read as null (§7.3.10);
//   - filters (§7.4): Flate, LZW, ASCIIHex, ASCII85, RunLength and the PNG
//     and TIFF predictors, each stage capped at Limits.StreamBytes and all
//     decoded bytes at Limits.TotalBytes, so a decompression bomb stops at
//     the limit;
//   - the standard security handler (§7.6.3; ISO 32000-2 §7.6.4 for
//     AES-256) with the empty user password only;
//   - the page tree (§7.7.3), walked without recursion, each node once,
//     to Limits.Depth and Limits.Pages, ignoring /Count;
//   - content streams (§7.8, §8, §9.4): text state and matrices, TJ
//     adjustments, Form XObjects (depth- and cycle-bounded), marked content
//     with /ActualText (§14.9.4); inline image data is skipped;
//   - fonts (§9.6, §9.7, §9.10): ToUnicode CMaps (bfchar and bfrange,
//     including the array form), simple-font encodings (Standard, WinAnsi,
//     MacRoman, Symbol, /Differences with Adobe glyph names), composite
//     fonts with Identity, embedded and predefined Unicode CMaps, and glyph
//     widths for word and line breaks.
//
// JavaScript, actions, embedded files, attachments and form data are never
// read into the text; Extract reports their presence in Result.Removed.
//
// Why not github.com/ledongthuc/pdf: its cross-reference reader allocates
// a table as large as a subsection's start number says, so a 200-byte file
// ends the process with a fatal "out of memory" that recover cannot catch;
// an object stream with a large /N loops without reading input; it has no
// object cache (each page lookup re-walks the tree), no limit on inflated
// data, no cycle check in the page tree, and no AES-256 or LZW. Those live
// below its public API, so they cannot be fenced off from outside.
//
// Not supported: text drawn as images (scanned pages: ErrNoText), fonts
// without any Unicode information (no ToUnicode and a non-Unicode
// encoding, e.g. Shift-JIS CMaps such as 90ms-RKSJ-H without ToUnicode, or
// Identity-H without ToUnicode), reading order beyond the content stream's
// own (columns drawn out of order stay out of order), public-key security
// handlers and user passwords.
package pdftext
