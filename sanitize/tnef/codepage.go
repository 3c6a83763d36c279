package tnef

import "fmt"

// codepageLabel maps a Windows code page number (attOemCodepage,
// PidTagMessageCodepage, PidTagInternetCodepage) to a charset label that
// sanitize/charset knows, or "" for 0 and code pages it cannot decode (the
// string is then guessed). The numbers are Microsoft's "Code Page
// Identifiers" table.
func codepageLabel(cp uint32) string {
	switch {
	case cp >= 1250 && cp <= 1258:
		return fmt.Sprintf("windows-%d", cp)
	case cp >= 28591 && cp <= 28599:
		return fmt.Sprintf("iso-8859-%d", cp-28590)
	}
	switch cp {
	case 932:
		// Japanese Outlook: Windows-31J, which charset decodes as
		// Shift_JIS with the NEC and IBM extensions.
		return "cp932"
	case 50220, 50221, 50222:
		return "iso-2022-jp"
	case 20932, 51932:
		return "euc-jp"
	case 936:
		return "gbk"
	case 54936:
		return "gb18030"
	case 949, 51949:
		return "euc-kr"
	case 950:
		return "big5"
	case 874:
		return "windows-874"
	case 437, 850, 852, 855, 860, 862, 863, 865, 866:
		return fmt.Sprintf("ibm%d", cp)
	case 20127:
		return "us-ascii"
	case 20866:
		return "koi8-r"
	case 21866:
		return "koi8-u"
	case 28603:
		return "iso-8859-13"
	case 28605:
		return "iso-8859-15"
	case 10000:
		return "macintosh"
	case 10007:
		return "x-mac-cyrillic"
	case 1200:
		return "utf-16le"
	case 1201:
		return "utf-16be"
	case 65000:
		return "utf-7"
	case 65001:
		return "utf-8"
	}
	return ""
}
