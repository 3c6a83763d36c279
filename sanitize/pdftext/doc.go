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
//     fonts with Identity, embedded and predefined CMaps, and glyph widths
//     for word and line breaks. Without a ToUnicode map, a composite font's
//     CIDs are read through Adobe's character collections (Japan1, GB1,
//     CNS1, Korea1) and its codes through the predefined CMaps of Table 118
//     (90ms-RKSJ-H, EUC-H, H, GBK-EUC-H, ETen-B5-H, KSCms-UHC-H, ...):
//     tables generated from Adobe's CMap resources (predefined.go,
//     internal/cmapgen); an embedded TrueType font of an Identity ordering
//     is read through its own 'cmap' table (truetype.go). Type 3 fonts are
//     sized by their glyph widths, so word gaps are found;
//   - text layout: lines, word gaps, paragraph gaps, hyphenated words
//     joined (in linear time), right-to-left text drawn in visual order
//     put in logical order (textout.go);
//   - annotations (§12.5, §12.7): form field values, signature, free-text
//     and stamp appearances, written after each page's text under
//     "--- form fields ---" and "--- annotations ---" (annots.go);
//   - damaged files: /Prev chains that loop, content streams split in the
//     middle of a token across a page's /Contents parts, files whose only
//     encrypted objects are embedded files (/EFF).
//
// JavaScript, actions, embedded files and attachments are never read into
// the text, nor are annotations' actions; Extract reports their presence,
// and that of interactive forms and comments, in Result.Removed.
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
// without any Unicode information (no ToUnicode map, no known collection
// and no usable font program), reading order beyond the content stream's
// own (columns drawn out of order stay out of order), public-key security
// handlers and user passwords.
package pdftext
