// Package tnef decodes the Transport Neutral Encapsulation Format that
// Outlook and Exchange send as winmail.dat (application/ms-tnef): the body
// text, the HTML and compressed RTF bodies, and the attached files, with
// hard limits and without ever panicking on hostile input.
//
// Specifications:
//   - [MS-OXTNEF] Transport Neutral Encapsulation Format Algorithm: the
//     stream (§2.1.3: signature 0x223E9F78, legacy key, attributes of level,
//     ID, length, data and checksum), the attributes this package reads
//     (§2.1.3.3: attSubject, attBody, attOemCodepage, attMsgProps,
//     attAttachRendData, attAttachTitle, attAttachData, attAttachment) and
//     the MAPI property lists inside attMsgProps and attAttachment (§2.1.3.4).
//   - [MS-OXCMSG] and [MS-OXPROPS] for the MAPI properties: PidTagSubject,
//     PidTagBody, PidTagHtml, PidTagRtfCompressed, PidTagInternetCodepage,
//     PidTagMessageCodepage, PidTagAttachLongFilename, PidTagAttachFilename,
//     PidTagDisplayName, PidTagAttachMimeTag, PidTagAttachDataBinary and
//     PidTagAttachDataObject.
//   - [MS-OXRTFCP] Rich Text Format Compression: LZFu decompression of
//     PidTagRtfCompressed.
//
// What is deliberately not done: attribute checksums (the 16-bit sum of the
// data bytes, §2.1.3.1) are not verified, because a wrong one changes
// nothing about what can be read and writers have been seen to get them
// wrong; the RTF CRC is likewise ignored. Recipients, dates, meeting
// requests, named properties and the attachment icons (attAttachMetaFile)
// are skipped: the sanitizer needs the body and the files. An attached
// Outlook item (attach method 5) is recognised by its data object being a
// TNEF stream itself, whatever PidTagAttachMethod claims, and is decoded
// recursively up to Limits.Depth.
//
// Strings in the code page of the message (attOemCodepage, else
// PidTagMessageCodepage, else PidTagInternetCodepage; 932 for Japanese
// Outlook) are decoded with sanitize/charset; Unicode properties are
// UTF-16LE. The package has no state.
package tnef
