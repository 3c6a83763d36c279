package mediatype

// Labels, [Japanese, English].
var (
	labelPDF        = Label{Ja: "PDF 文書", En: "PDF document"}
	labelWord       = Label{Ja: "Word 文書", En: "Word document"}
	labelExcel      = Label{Ja: "Excel ブック", En: "Excel workbook"}
	labelPowerPoint = Label{Ja: "PowerPoint 資料", En: "PowerPoint presentation"}
	labelRTF        = Label{Ja: "リッチテキスト (RTF)", En: "rich text (RTF)"}
	labelOLE        = Label{Ja: "OLE2 複合ファイル", En: "OLE2 compound file"}
	labelTNEF       = Label{Ja: "Outlook 形式 (winmail.dat)", En: "Outlook TNEF (winmail.dat)"}
	labelArchive    = Label{Ja: "圧縮ファイル", En: "archive", Subtype: true}
	labelExecutable = Label{Ja: "実行ファイル", En: "executable"}
	labelSMIME      = Label{Ja: "暗号化されたメール (S/MIME)", En: "encrypted message (S/MIME)"}
	labelPGP        = Label{Ja: "暗号化されたメール (PGP)", En: "encrypted message (PGP)"}
	labelDSN        = Label{Ja: "配信状態通知", En: "delivery status notification"}
	labelMDN        = Label{Ja: "開封確認", En: "read receipt"}
	labelMail       = Label{Ja: "メール", En: "e-mail message"}
	labelHTML       = Label{Ja: "HTML", En: "HTML"}
	labelCalendar   = Label{Ja: "予定表 (iCalendar)", En: "calendar (iCalendar)"}
	labelText       = Label{Ja: "テキスト", En: "text"}
	labelImage      = Label{Ja: "画像", En: "image", Subtype: true}
	labelAudio      = Label{Ja: "音声", En: "audio", Subtype: true}
	labelVideo      = Label{Ja: "動画", En: "video", Subtype: true}
	labelUnknown    = Label{Ja: "形式不明", En: "unknown type"}
)

// script labels a script language.
func script(language string) Label {
	return Label{Ja: "スクリプト (" + language + ")", En: "script (" + language + ")"}
}

type row struct {
	types []string // the first is the usual one (KindType)
	info  Info
}

// rows is the table. Kinds are package flatten's names; a converter kind
// appears here for the types a converter is chosen by (flatten.Detect's
// last resort, after the content's structure) and for the type it
// reports (KindType: the first row naming the kind gives it).
var rows = []row{
	// Text.
	{[]string{"text/plain"}, Info{Kind: "text", Class: ClassText, Label: labelText, Readable: true}},
	{[]string{"text/html"}, Info{Kind: "html", Class: ClassHTML, Label: labelHTML}},
	// XHTML is not converted as HTML by its type (flatten.Detect leaves
	// it unknown).
	{[]string{"application/xhtml+xml"}, Info{Class: ClassHTML, Label: labelHTML}},
	{[]string{"text/calendar"}, Info{Kind: "text", Class: ClassText, Label: labelCalendar, Readable: true}},
	{[]string{"text/csv", "text/tab-separated-values", "text/vcard", "text/vtt", "text/vnd.familysearch.gedcom"},
		Info{Kind: "text", Class: ClassText, Label: labelText, Readable: true}},
	{[]string{"application/json"}, Info{Kind: "text", Class: ClassOther, Readable: true}},
	{[]string{"application/x-ndjson", "application/x-subrip"}, Info{Class: ClassOther, Readable: true}},
	{[]string{"application/xml"}, Info{Kind: "text", Class: ClassOther}},

	// Documents.
	{[]string{"application/pdf", "application/x-pdf"}, Info{Kind: "pdf", Class: ClassPDF, Label: labelPDF}},
	{[]string{"application/vnd.openxmlformats-officedocument.wordprocessingml.document"}, Info{Kind: "docx", Class: ClassOffice, Label: labelWord}},
	{[]string{"application/vnd.ms-word.document.macroEnabled.12"}, Info{Kind: "docm", Class: ClassOffice, Label: labelWord}},
	{[]string{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}, Info{Kind: "xlsx", Class: ClassOffice, Label: labelExcel}},
	{[]string{"application/vnd.ms-excel.sheet.macroEnabled.12"}, Info{Kind: "xlsm", Class: ClassOffice, Label: labelExcel}},
	{[]string{"application/vnd.openxmlformats-officedocument.presentationml.presentation"}, Info{Kind: "pptx", Class: ClassOffice, Label: labelPowerPoint}},
	{[]string{"application/vnd.ms-powerpoint.presentation.macroEnabled.12"}, Info{Kind: "pptm", Class: ClassOffice, Label: labelPowerPoint}},
	{[]string{"application/vnd.oasis.opendocument.text"}, Info{Kind: "odt", Class: ClassOffice, Label: labelWord}},
	{[]string{"application/vnd.oasis.opendocument.spreadsheet"}, Info{Kind: "ods", Class: ClassOffice, Label: labelExcel}},
	{[]string{"application/vnd.oasis.opendocument.presentation"}, Info{Kind: "odp", Class: ClassOffice, Label: labelPowerPoint}},
	{[]string{"application/rtf"}, Info{Kind: "rtf", Class: ClassOffice, Label: labelRTF}},
	// RTF is known by its content (office.Detect); a part declared
	// text/rtf is read as the text it is written in.
	{[]string{"text/rtf"}, Info{Kind: "text", Class: ClassOffice, Label: labelText}},
	{[]string{"application/msword", "application/vnd.ms-word"}, Info{Kind: "doc", Class: ClassOffice, Label: labelWord}},
	{[]string{"application/vnd.ms-excel", "application/msexcel"}, Info{Kind: "xls", Class: ClassOffice, Label: labelExcel}},
	{[]string{"application/vnd.ms-powerpoint", "application/mspowerpoint"}, Info{Kind: "ppt", Class: ClassOffice, Label: labelPowerPoint}},
	{[]string{"application/vnd.visio"}, Info{Class: ClassOffice}},
	// Word, Excel and PowerPoint files have their own types: this is
	// another compound file (an installer package, an Outlook item).
	{[]string{"application/x-ole-storage"}, Info{Kind: "ole2", Class: ClassOther, Label: labelOLE}},
	{[]string{"application/vnd.ms-tnef", "application/ms-tnef"}, Info{Kind: "tnef", Class: ClassOffice, Label: labelTNEF}},

	// Programs.
	{[]string{"application/x-executable", "application/vnd.microsoft.portable-executable", "application/x-msdownload",
		"application/x-dosexec", "application/x-ms-dos-executable", "application/x-elf", "application/x-mach-binary",
		"application/x-sharedlib"},
		Info{Kind: "executable", Class: ClassExecutable, Label: labelExecutable}},
	// Not converted as executables (flatten.Detect leaves them unknown;
	// both are dropped), but executables all the same.
	{[]string{"application/x-msi", "application/x-ms-installer", "application/x-windows-installer", "application/x-object",
		"application/x-ms-application", "application/x-java-applet", "application/java-vm", "application/x-dex",
		"application/wasm", "application/x-ms-shortcut"}, Info{Class: ClassExecutable, Label: labelExecutable}},
	{[]string{"application/vnd.android.package-archive"}, Info{Class: ClassExecutable, Label: labelArchive}},

	// Archives.
	{[]string{"application/zip", "application/x-zip", "application/x-zip-compressed"}, Info{Kind: "zip", Class: ClassArchive, Label: labelArchive}},
	{[]string{"application/gzip", "application/x-gzip", "application/gzip-compressed", "application/gzipped",
		"application/x-gzip-compressed", "application/x-gunzip"}, Info{Kind: "gzip", Class: ClassArchive, Label: labelArchive}},
	{[]string{"application/x-tar", "application/x-gtar"}, Info{Kind: "tar", Class: ClassArchive, Label: labelArchive}},
	{[]string{"application/x-gtar-compressed"}, Info{Kind: "tgz", Class: ClassArchive, Label: labelArchive}},
	{[]string{"application/x-7z-compressed"}, Info{Kind: "7z", Class: ClassArchive, Label: labelArchive}},
	{[]string{"application/vnd.rar", "application/x-rar", "application/x-rar-compressed"}, Info{Kind: "rar", Class: ClassArchive, Label: labelArchive}},
	{[]string{"application/x-lzh-compressed", "application/x-lzh", "application/x-lha"}, Info{Kind: "lzh", Class: ClassArchive, Label: labelArchive}},
	{[]string{"application/x-bzip2", "application/x-bzip"}, Info{Kind: "bzip2", Class: ClassArchive, Label: labelArchive}},
	{[]string{"application/x-xz"}, Info{Kind: "xz", Class: ClassArchive, Label: labelArchive}},
	{[]string{"application/vnd.ms-cab-compressed", "application/x-cab"}, Info{Kind: "cab", Class: ClassArchive, Label: labelArchive}},
	{[]string{"application/zstd"}, Info{Kind: "zstd", Class: ClassArchive, Label: labelArchive}},
	{[]string{"application/x-archive", "application/x-cpio", "application/x-compress", "application/x-ace-compressed",
		"application/x-iso9660-image", "application/x-apple-diskimage"}, Info{Class: ClassArchive, Label: labelArchive}},
	// A Java archive is a zip of program code: converted as an
	// executable (dropped), counted and named as the archive it is.
	{[]string{"application/java-archive", "application/jar", "application/jar-archive", "application/x-java-archive"},
		Info{Kind: "executable", Class: ClassArchive, Label: labelArchive}},

	// Scripts: what flatten.ScriptType reports, and the usual names of
	// script languages. Converted as text when scripts are kept.
	{[]string{"application/javascript", "text/javascript", "application/x-javascript", "application/ecmascript"},
		Info{Kind: "text", Class: ClassScript, Label: script("JavaScript")}},
	{[]string{"text/vbscript", "application/x-vbscript"}, Info{Kind: "text", Class: ClassScript, Label: script("VBScript")}},
	{[]string{"application/x-script-encoded"}, Info{Kind: "text", Class: ClassScript, Label: script("JScript/VBScript Encoded")}},
	{[]string{"application/x-wsf"}, Info{Kind: "text", Class: ClassScript, Label: script("Windows Script")}},
	{[]string{"application/hta"}, Info{Kind: "text", Class: ClassScript, Label: script("HTML Application")}},
	{[]string{"application/x-powershell"}, Info{Kind: "text", Class: ClassScript, Label: script("PowerShell")}},
	{[]string{"application/x-bat"}, Info{Kind: "text", Class: ClassScript, Label: script("batch")}},
	{[]string{"text/x-shellscript", "application/x-sh", "text/x-sh", "application/x-shellscript"},
		Info{Kind: "text", Class: ClassScript, Label: script("shell")}},
	{[]string{"application/x-registry"}, Info{Kind: "text", Class: ClassScript, Label: script("registry")}},
	{[]string{"application/x-url-shortcut"}, Info{Kind: "text", Class: ClassScript, Label: script("shortcut")}},
	{[]string{"text/x-python", "application/x-python", "text/x-script.python"}, Info{Kind: "text", Class: ClassScript, Label: script("Python")}},
	{[]string{"text/x-perl", "application/x-perl"}, Info{Kind: "text", Class: ClassScript, Label: script("Perl")}},
	{[]string{"text/x-php", "application/x-php", "application/x-httpd-php"}, Info{Kind: "text", Class: ClassScript, Label: script("PHP")}},
	{[]string{"text/x-ruby", "application/x-ruby", "text/x-ruby-script"}, Info{Kind: "text", Class: ClassScript, Label: script("Ruby")}},
	{[]string{"text/x-lua"}, Info{Kind: "text", Class: ClassScript, Label: script("Lua")}},
	{[]string{"text/x-tcl", "application/x-tcl"}, Info{Kind: "text", Class: ClassScript, Label: script("Tcl")}},
	// Windows reads .bat and .com files, Debian's mime.types .exe too,
	// as application/x-msdos-program: no one name fits them all.
	{[]string{"application/x-msdos-program"}, Info{Class: ClassScript}},

	// Messages.
	{[]string{"message/rfc822"}, Info{Class: ClassMessage, Label: labelMail, Readable: true}},
	{[]string{"message/delivery-status", "message/global-delivery-status"}, Info{Class: ClassMessage, Label: labelDSN}},
	{[]string{"message/disposition-notification"}, Info{Class: ClassMessage, Label: labelMDN}},

	// Encryption and signatures.
	{[]string{"application/pkcs7-mime", "application/x-pkcs7-mime"}, Info{Class: ClassCrypto, Label: labelSMIME}},
	{[]string{"application/pgp-encrypted"}, Info{Class: ClassCrypto, Label: labelPGP}},
	{[]string{"application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature",
		"application/pgp-keys", "application/pkcs10", "application/x-pem-file"}, Info{Class: ClassCrypto}},

	// Images the converter re-encodes.
	{[]string{"image/png"}, Info{Kind: "png", Class: ClassImage, Label: labelImage}},
	{[]string{"image/jpeg", "image/jpg"}, Info{Kind: "jpeg", Class: ClassImage, Label: labelImage}},
	{[]string{"image/gif"}, Info{Kind: "gif", Class: ClassImage, Label: labelImage}},

	// No type, or none that says anything.
	{[]string{""}, Info{Class: ClassUnknown, Label: labelUnknown}},
	{[]string{"application/octet-stream"}, Info{Class: ClassOther, Label: labelUnknown}},
}

// patterns name the families senders spell in many ways, in order.
var patterns = []pattern{
	// The macro-enabled OOXML types are vnd.ms-word.*, vnd.ms-excel.* and
	// vnd.ms-powerpoint.* (a .docm is a Word document all the same).
	{prefixes: []string{"application/vnd.ms-word."}, fragments: []string{"wordprocessingml", "opendocument.text"},
		info: Info{Class: ClassOffice, Label: labelWord}},
	{prefixes: []string{"application/vnd.ms-excel."}, fragments: []string{"spreadsheetml", "opendocument.spreadsheet"},
		info: Info{Class: ClassOffice, Label: labelExcel}},
	{prefixes: []string{"application/vnd.ms-powerpoint."}, fragments: []string{"presentationml", "opendocument.presentation"},
		info: Info{Class: ClassOffice, Label: labelPowerPoint}},
	{fragments: []string{"ms-tnef"}, info: Info{Class: ClassOffice, Label: labelTNEF}},
	{fragments: []string{"executable", "msdownload", "dosexec", "mach-binary"}, words: []string{"elf", "msi"},
		info: Info{Class: ClassExecutable, Label: labelExecutable}},
	{fragments: []string{"compressed", "archive"}, words: []string{"7z", "rar", "gzip", "gzipped", "tar", "gtar", "lzh", "bzip", "bzip2", "xz"},
		info: Info{Class: ClassArchive, Label: labelArchive}},
	{prefixes: []string{"image/"}, info: Info{Kind: "image", Class: ClassImage, Label: labelImage}},
	{prefixes: []string{"audio/"}, info: Info{Class: ClassMedia, Label: labelAudio}},
	{prefixes: []string{"video/"}, info: Info{Class: ClassMedia, Label: labelVideo}},
	{prefixes: []string{"text/"}, info: Info{Kind: "text", Class: ClassText, Label: labelText}},
	{prefixes: []string{"message/", "multipart/"}, info: Info{Class: ClassMessage}},
	{prefixes: []string{"application/vnd.ms-", "application/vnd.oasis.opendocument."}, fragments: []string{"openxmlformats-officedocument"},
		info: Info{Class: ClassOffice}},
}
