package sanitize

import (
	"fmt"
	"strings"

	"github.com/mugai/mugai/sanitize/flatten"
)

// itemKind is one kind of change the notice reports.
type itemKind int

const (
	itemHTML            itemKind = iota + 1 // HTML body converted to text
	itemDropped                             // attachment removed
	itemResourceDropped                     // unnamed inline resource (image of an HTML body) removed
	itemTextKept                            // text attachment re-encoded as UTF-8
	itemPayload                             // encoded binary cut out of text
	itemPayloadRest                         // rest of a text with too many encoded binaries cut
	itemSignature                           // signature removed unverified
	itemEncrypted                           // encrypted content removed
	itemPartial                             // message/partial or external-body removed
	itemCharset                             // charset guessed
	itemTruncated                           // HTML cut at an oversized token
	itemTextURLs                            // web addresses in text defanged
	itemConverted                           // document converted to text
	itemReencoded                           // image re-encoded from pixels
	itemExpanded                            // archive or winmail.dat expanded
	itemAddressName                         // a display name shows another address than the real one
	itemUnreadable                          // some characters could not be decoded: U+FFFD in the output
)

// perFile reports whether items of kind k are listed one per file (and
// so may be many), not once or as a count.
func (k itemKind) perFile() bool {
	switch k {
	case itemDropped, itemTextKept, itemPayload, itemPayloadRest, itemConverted, itemReencoded, itemExpanded:
		return true
	}
	return false
}

// noticeItem is one line (or aggregated lines) of the notice.
type noticeItem struct {
	kind     itemKind
	name     string // decoded, cleaned file name
	newName  string // name of the text attachment that replaces it
	size     int64
	typ      string // media type of the content (detected, or declared)
	declared string // declared media type or charset
	sha      string
	reason   string // reasonMismatch, reasonEncoding
	html     bool   // the text came from HTML
	links    int
	changed  int
	charset  string
	payload  string // payload kind: uuencode, binhex, ...
	// Conversions.
	mismatch  bool     // the declared type names another kind of file
	removed   []string // active content the converter left out
	truncated bool     // converted text cut at the output limit
	inline    bool     // converted text appended to the body
	count     int      // members of an expanded archive
	field     string   // header field (itemAddressName)
}

// reasonEncoding: a part in a transfer encoding we cannot decode. The
// other reasons are flatten's Reason codes.
const reasonEncoding = "unknown transfer encoding"

// reasonText is the report's English wording for an item kind.
func reasonText(k itemKind) string {
	switch k {
	case itemEncrypted:
		return "encrypted content cannot be inspected"
	case itemPartial:
		return "message/partial and message/external-body cannot be inspected"
	case itemDropped:
		return "attachment type cannot be made safe"
	}
	return ""
}

// message keys for fixed texts.
type msgKey int

const (
	msgHeading msgKey = iota
	msgForwarded
	msgImage
	msgReplaced
	msgNoName
)

var fixedTexts = map[msgKey][2]string{ // [ja, en]
	msgHeading:   {"【無害化のお知らせ】このメールは境界の無害化処理を通過しました。", "[Sanitization notice] This message passed the boundary sanitizer."},
	msgForwarded: {"---------- 転送されたメッセージ ----------", "---------- Forwarded message ----------"},
	msgImage:     {"画像", "image"},
	msgReplaced:  {"・このメールは安全に無害化できないため、本文と添付をすべて削除しました。", "- This message could not be sanitized safely; its whole content was removed."},
	msgNoName:    {"(名前なし)", "(no name)"},
}

func msg(lang Language, k msgKey) string {
	t := fixedTexts[k]
	if lang == English {
		return t[1]
	}
	return t[0]
}

// noticeSeparator divides the notice from the body text.
const noticeSeparator = "------------------------------------------------------------"

// maxNoticeBytes bounds the notice: once it is this long, the files that
// remain to be listed are counted in one line instead. A message of many
// attachments, archive members or encoded files then gets a notice a
// person can read, and the output a bounded one (the report still lists
// every part).
const maxNoticeBytes = 64 << 10

// renderNotice formats the notice for items, or "" when nothing changed.
func renderNotice(lang Language, links LinkMode, items []noticeItem) string {
	if len(items) == 0 {
		return ""
	}
	en := lang == English
	var b strings.Builder
	b.WriteString(msg(lang, msgHeading))
	b.WriteByte('\n')
	line := func(ja, eng string, args ...any) {
		if en {
			fmt.Fprintf(&b, "- "+eng+"\n", args...)
		} else {
			fmt.Fprintf(&b, "・"+ja+"\n", args...)
		}
	}
	hash := func(sum string) {
		if sum != "" {
			fmt.Fprintf(&b, "  SHA-256: %s\n", sum)
		}
	}
	name := func(n string) string {
		if n == "" {
			return msg(lang, msgNoName)
		}
		return n
	}
	seen := map[string]bool{}
	once := func(key string) bool {
		if seen[key] {
			return false
		}
		seen[key] = true
		return true
	}
	var resources, omitted int
	var resourceBytes int64
	// Changed addresses are counted per place: the message text ("") or
	// an attachment, in the order they first appear.
	var urlPlaces []string
	urlCounts := map[string]int{}
	for _, it := range items {
		if b.Len() >= maxNoticeBytes && it.kind.perFile() {
			omitted++
			continue
		}
		switch it.kind {
		case itemHTML:
			if !once("html") {
				continue
			}
			total := 0
			for _, o := range items {
				if o.kind == itemHTML {
					total += o.changed
				}
			}
			switch {
			case total == 0:
				line("HTML 形式の本文をテキストに変換しました。", "The HTML body was converted to plain text.")
			case links == LinksDefang:
				line("HTML 形式の本文をテキストに変換しました（リンク %d 件をクリックできない形に変更）。",
					"The HTML body was converted to plain text; links made non-clickable: %d.", total)
			default:
				line("HTML 形式の本文をテキストに変換しました（リンク %d 件の URL を削除）。",
					"The HTML body was converted to plain text; link URLs removed: %d.", total)
			}
		case itemDropped:
			typ, size := typeLabel(lang, it.typ), humanSize(lang, it.size)
			line("添付「%s」(%s, %s) を削除しました。%s", `Attachment "%s" (%s, %s) was removed.%s`,
				name(it.name), typ, size, reasonSuffix(lang, it))
			hash(it.sha)
		case itemConverted:
			extra := conversionSuffix(lang, it)
			if it.inline {
				line("添付「%s」(%s, %s) をテキストに変換し、本文の後に載せました。%s",
					`Attachment "%s" (%s, %s) was converted to text, shown after the message text.%s`,
					name(it.name), typeLabel(lang, it.typ), humanSize(lang, it.size), extra)
			} else {
				line("添付「%s」(%s, %s) をテキストに変換し「%s」として添付しました。%s",
					`Attachment "%s" (%s, %s) was converted to text and attached as "%s".%s`,
					name(it.name), typeLabel(lang, it.typ), humanSize(lang, it.size), it.newName, extra)
			}
			hash(it.sha)
		case itemReencoded:
			line("添付「%s」(%s, %s) は画素から描き直し「%s」として添付しました（メタデータなどは削除）。%s",
				`Image "%s" (%s, %s) was redrawn from its pixels and attached as "%s" (metadata and the like removed).%s`,
				name(it.name), typeLabel(lang, it.typ), humanSize(lang, it.size), it.newName, conversionSuffix(lang, it))
			hash(it.sha)
		case itemExpanded:
			line("添付「%s」(%s, %s) を展開しました（%d 件）。中のファイルは次のとおりです。%s",
				`Attachment "%s" (%s, %s) was unpacked (%d files); its files follow.%s`,
				name(it.name), typeLabel(lang, it.typ), humanSize(lang, it.size), it.count, conversionSuffix(lang, it))
			hash(it.sha)
		case itemUnreadable:
			if once("unreadable") {
				line("一部の文字は読み取れなかったため、置換文字 (U+FFFD) で表示しています（文字コードの誤りや破損のため）。",
					"Some characters could not be read and are shown as the replacement character U+FFFD (a wrong or broken character encoding).")
			}
		case itemAddressName:
			// name: the display name, declared: the address it shows,
			// typ: the real address.
			line("%s の表示名「%s」に、実際の送信元とは異なるアドレス %s が含まれています。実際のアドレスは %s です（表示名に書き添えました）。",
				`The display name "%s" in %s shows the address %s, which is not the real one: %s (added to the name).`,
				pickArgs(lang, it.field, it.name, it.declared, it.typ)...)
		case itemResourceDropped:
			resources++
			resourceBytes += it.size
		case itemTextKept:
			if it.html {
				line("添付「%s」(HTML) をテキストに変換し「%s」として添付しました。",
					`Attachment "%s" (HTML) was converted to text and attached as "%s".`, name(it.name), it.newName)
			} else {
				line("添付「%s」(%s, %s) を UTF-8 のテキスト「%s」として添付しました。",
					`Attachment "%s" (%s, %s) was attached as UTF-8 text "%s".`,
					name(it.name), typeLabel(lang, it.typ), humanSize(lang, it.size), it.newName)
			}
		case itemPayload:
			line("本文に埋め込まれた %s 形式のファイル「%s」(%s, %s) を削除しました。",
				`A file embedded in the text as %s, "%s" (%s, %s), was removed.`,
				it.payload, name(it.name), typeLabel(lang, it.typ), humanSize(lang, it.size))
			hash(it.sha)
		case itemPayloadRest:
			line("埋め込まれたファイルが多すぎる (上限 %d 件) ため、テキストの残り (%s) を読まずに削除しました。",
				"The text held too many embedded files (the limit is %d); the rest of it (%s) was removed unread.",
				it.count, humanSize(lang, it.size))
			hash(it.sha)
		case itemSignature:
			if once("sig") {
				line("電子署名は無害化後のメールでは検証できないため、検証せずに削除しました。",
					"The digital signature was removed without verification (it cannot match the rebuilt message).")
			}
		case itemEncrypted:
			if it.sha != "" {
				line("添付「%s」(%s, %s) を削除しました。暗号化されているため、内容を検査できません。",
					`Attachment "%s" (%s, %s) was removed. It is encrypted, so its content could not be inspected.`,
					name(it.name), typeLabel(lang, it.typ), humanSize(lang, it.size))
				hash(it.sha)
				continue
			}
			if once("enc") {
				line("暗号化された部分は内容を検査できないため削除しました。",
					"Encrypted content was removed because it cannot be inspected.")
			}
		case itemPartial:
			if once("partial") {
				line("分割されたメール (message/partial) または外部参照 (message/external-body) の部分を削除しました。",
					"A message fragment (message/partial) or external reference (message/external-body) was removed.")
			}
		case itemCharset:
			if once("cs:" + it.charset) {
				line("文字コードの指定がない、または誤っているため、%s と推定して変換しました。",
					"The character set was missing or wrong; the text was decoded as %s (a guess).", it.charset)
			}
		case itemTextURLs:
			if _, ok := urlCounts[it.name]; !ok {
				urlPlaces = append(urlPlaces, it.name)
			}
			urlCounts[it.name] += it.links
		case itemTruncated:
			if once("trunc") {
				line("HTML に大きすぎる要素があったため、その手前までをテキストに変換しました。",
					"The HTML had an oversized element; only the text before it was kept.")
			}
		}
	}
	if omitted > 0 {
		line("ほか %d 件のファイルの変更は、このお知らせが長くなりすぎるため省略しました（処理の記録には残っています）。",
			"%d more files were changed as above; they are not listed, to keep this notice readable (the processing record lists them).", omitted)
	}
	for _, place := range urlPlaces {
		if place == "" {
			line("本文中の URL %d 件をクリックできない形に変更しました。",
				"Web addresses in the message text made non-clickable: %d.", urlCounts[place])
		} else {
			line("添付「%s」の中の URL %d 件をクリックできない形に変更しました。",
				`Web addresses in attachment "%s" made non-clickable: %d.`, place, urlCounts[place])
		}
	}
	if resources > 0 {
		line("本文中の画像などの埋め込みファイル %d 件 (計 %s) を削除しました。",
			"%d embedded resources of the HTML body (images and the like, %s in all) were removed.",
			resources, humanSize(lang, resourceBytes))
	}
	return strings.TrimRight(b.String(), "\n")
}

// reasonTexts words flatten's reason codes: [ja, en].
var reasonTexts = map[string][2]string{
	flatten.ReasonUnsupported: {"安全なテキストに変換できない形式です。", "Its type cannot be made safe."},
	flatten.ReasonEncrypted:   {"パスワードで保護（暗号化）されているため、内容を確認できません。", "It is password-protected, so its content could not be inspected."},
	flatten.ReasonNoText:      {"取り出せるテキストがありません（画像だけの PDF など）。", "It holds no text that could be extracted (a scanned PDF, for example)."},
	flatten.ReasonCorrupt:     {"壊れていて読めません。", "It is damaged and could not be read."},
	flatten.ReasonLimit:       {"大きすぎるか、圧縮爆弾の疑いがあります。", "It is too large, or looks like a compression bomb."},
	flatten.ReasonImages:      {"画像は削除する設定です。", "Images are removed by policy."},
	flatten.ReasonDepth:       {"圧縮ファイルの入れ子が深すぎます。", "Its archives are nested too deep."},
	flatten.ReasonTimeout:     {"変換に時間がかかりすぎました。", "Converting it took too long."},
	flatten.ReasonCrash:       {"変換できませんでした。", "It could not be converted."},
	flatten.ReasonEmpty:       {"空のファイルです。", "It is empty."},
	flatten.ReasonTooLarge:    {"大きすぎるため変換できません。", "It is too large to convert."},
	flatten.ReasonScript:      {"スクリプトファイルは削除する設定です。", "Script files are removed by policy."},
	reasonEncoding:            {"転送エンコーディングが不明です。", "Its transfer encoding is unknown."},
}

// reasonSuffix explains why a part was dropped, and whether it claimed
// to be something else.
func reasonSuffix(lang Language, it noticeItem) string {
	var b strings.Builder
	if t, ok := reasonTexts[it.reason]; ok {
		b.WriteString(pickLang(lang, t))
	}
	if it.mismatch && it.declared != "" {
		if lang == English {
			fmt.Fprintf(&b, " It was declared as %s, which does not match its content.", it.declared)
		} else {
			fmt.Fprintf(&b, "宣言された形式 (%s) と内容が一致しません。", it.declared)
		}
	}
	if len(it.removed) > 0 {
		b.WriteString(removedText(lang, it.removed))
	}
	if lang == English && b.Len() > 0 {
		return " " + strings.TrimSpace(b.String())
	}
	return b.String()
}

// conversionSuffix tells what a conversion left out.
func conversionSuffix(lang Language, it noticeItem) string {
	var b strings.Builder
	if len(it.removed) > 0 {
		b.WriteString(removedText(lang, it.removed))
	}
	if it.truncated {
		b.WriteString(pickLang(lang, [2]string{"長すぎるため途中までです。", " The text was cut at the size limit."}))
	}
	if it.mismatch && it.declared != "" {
		if lang == English {
			fmt.Fprintf(&b, " It was declared as %s, which does not match its content.", it.declared)
		} else {
			fmt.Fprintf(&b, "宣言された形式 (%s) と内容が一致しません。", it.declared)
		}
	}
	return b.String()
}

// removedNames words the converters' names for removed content.
var removedNames = map[string]string{
	"macro (VBA)":                   "マクロ (VBA)",
	"OLE object":                    "埋め込みオブジェクト (OLE)",
	"ActiveX control":               "ActiveX コントロール",
	"external template":             "外部テンプレート参照",
	"external link":                 "外部リンク",
	"DDE field":                     "DDE フィールド",
	"embedded file":                 "埋め込みファイル",
	"external data connection":      "外部データ接続",
	"remote image":                  "外部画像の参照",
	"JavaScript":                    "JavaScript",
	"automatic action (OpenAction)": "自動実行アクション (OpenAction)",
	"launch action":                 "外部プログラム起動アクション",
	"form fields":                   "フォーム",
	"attached files":                "添付ファイル",
	"automatic action (AA)":         "自動実行アクション (AA)",
	"links to other files":          "他ファイルへのリンク",
	"form submission":               "フォーム送信",
	"comments":                      "注釈",
	"multimedia":                    "マルチメディア",
	"macro (Excel 4.0)":             "マクロ (Excel 4.0)",
	"macro (Basic)":                 "マクロ (Basic)",
	"macro (script)":                "マクロ (スクリプト)",
	"macro (event handler)":         "マクロ (イベント処理)",
	"applet":                        "アプレット",
	"plugin":                        "プラグイン",
	"DDE link":                      "DDE リンク",
	"program action":                "プログラム実行アクション",
}

func removedText(lang Language, removed []string) string {
	if lang == English {
		return fmt.Sprintf(" Removed from it: %s.", strings.Join(removed, ", "))
	}
	ja := make([]string, len(removed))
	for i, r := range removed {
		if n, ok := removedNames[r]; ok {
			ja[i] = n
		} else {
			ja[i] = r
		}
	}
	return fmt.Sprintf("（%s を削除）", strings.Join(ja, "、"))
}

// pickArgs orders a field name and a display name for the Japanese or
// English wording of itemAddressName (the field comes first in Japanese).
func pickArgs(lang Language, field, name, shown, real string) []any {
	if lang == English {
		return []any{name, field, shown, real}
	}
	return []any{field, name, shown, real}
}

func pickLang(lang Language, t [2]string) string {
	if lang == English {
		return t[1]
	}
	return t[0]
}

// flattenHeading introduces converted text appended to the body.
func flattenHeading(lang Language, name string) string {
	if lang == English {
		return fmt.Sprintf("==== Text of attachment %q ====", name)
	}
	return fmt.Sprintf("==== 添付「%s」の内容 ====", name)
}

// payloadMarker is the line left in the text where a payload was cut.
func payloadMarker(lang Language, it noticeItem) string {
	if it.kind == itemPayloadRest {
		return pickLang(lang, [2]string{"[削除: 埋め込まれたファイルが多すぎるため、ここから後]", "[removed: the rest of this text, which holds too many embedded files]"})
	}
	n := it.name
	if n == "" {
		n = msg(lang, msgNoName)
	}
	if lang == English {
		return fmt.Sprintf("[removed: embedded %s file %q]", it.payload, n)
	}
	return fmt.Sprintf("[削除: 埋め込まれた %s 形式のファイル「%s」]", it.payload, n)
}

// scriptLabels name the kinds of script flatten.ScriptType reports.
var scriptLabels = map[string]string{
	flatten.ScriptJavaScript: "JavaScript",
	flatten.ScriptVBScript:   "VBScript",
	flatten.ScriptEncoded:    "JScript/VBScript Encoded",
	flatten.ScriptWSF:        "Windows Script",
	flatten.ScriptHTA:        "HTML Application",
	flatten.ScriptPowerShell: "PowerShell",
	flatten.ScriptBatch:      "batch",
	flatten.ScriptShell:      "shell",
	flatten.ScriptRegistry:   "registry",
	flatten.ScriptShortcut:   "shortcut",
}

// humanSize formats a byte count as people read it (1 KB = 1024 bytes).
func humanSize(lang Language, n int64) string {
	switch {
	case n < 1024:
		if lang == English {
			return fmt.Sprintf("%d bytes", n)
		}
		return fmt.Sprintf("%d バイト", n)
	case n < 1024*1024:
		return fmt.Sprintf("%d KB", (n+512)/1024)
	case n < 10*1024*1024:
		return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
	default:
		return fmt.Sprintf("%d MB", (n+512*1024)/(1024*1024))
	}
}

// typeLabel names a media type for people.
func typeLabel(lang Language, t string) string {
	pick := func(ja, en string) string {
		if lang == English {
			return en
		}
		return ja
	}
	sub := t
	if i := strings.IndexByte(t, '/'); i >= 0 {
		sub = strings.ToUpper(strings.TrimPrefix(t[i+1:], "x-"))
	}
	switch {
	case t == "application/pdf":
		return pick("PDF 文書", "PDF document")
	// The macro-enabled OOXML types are vnd.ms-word.*, vnd.ms-excel.* and
	// vnd.ms-powerpoint.* (a .docm is a Word document all the same).
	case strings.Contains(t, "wordprocessingml") || t == "application/msword" || strings.HasPrefix(t, "application/vnd.ms-word.") || strings.Contains(t, "opendocument.text"):
		return pick("Word 文書", "Word document")
	case strings.Contains(t, "spreadsheetml") || t == "application/vnd.ms-excel" || strings.HasPrefix(t, "application/vnd.ms-excel.") || strings.Contains(t, "opendocument.spreadsheet"):
		return pick("Excel ブック", "Excel workbook")
	case strings.Contains(t, "presentationml") || t == "application/vnd.ms-powerpoint" || strings.HasPrefix(t, "application/vnd.ms-powerpoint.") || strings.Contains(t, "opendocument.presentation"):
		return pick("PowerPoint 資料", "PowerPoint presentation")
	case t == "application/pkcs7-mime" || t == "application/x-pkcs7-mime":
		return pick("暗号化されたメール (S/MIME)", "encrypted message (S/MIME)")
	case t == "application/pgp-encrypted":
		return pick("暗号化されたメール (PGP)", "encrypted message (PGP)")
	case scriptLabels[t] != "":
		return pick("スクリプト ("+scriptLabels[t]+")", "script ("+scriptLabels[t]+")")
	case t == "application/x-ole-storage":
		// Word, Excel and PowerPoint files have their own types: this is
		// another compound file (an installer package, an Outlook item).
		return pick("OLE2 複合ファイル", "OLE2 compound file")
	case strings.Contains(t, "ms-tnef"):
		return pick("Outlook 形式 (winmail.dat)", "Outlook TNEF (winmail.dat)")
	case strings.Contains(t, "executable") || strings.Contains(t, "msdownload") || strings.Contains(t, "dosexec") ||
		strings.Contains(t, "elf") || strings.Contains(t, "mach-binary") || strings.Contains(t, "msi"):
		return pick("実行ファイル", "executable")
	case t == "message/delivery-status" || t == "message/global-delivery-status":
		return pick("配信状態通知", "delivery status notification")
	case t == "message/disposition-notification":
		return pick("開封確認", "read receipt")
	case t == "application/zip" || strings.Contains(t, "compressed") || strings.Contains(t, "archive") || strings.Contains(t, "7z") ||
		strings.Contains(t, "rar") || strings.Contains(t, "gzip") || strings.Contains(t, "tar") ||
		strings.Contains(t, "lzh") || strings.Contains(t, "bzip") || strings.Contains(t, "xz"):
		return pick("圧縮ファイル ("+sub+")", "archive ("+sub+")")
	case strings.HasPrefix(t, "image/"):
		return pick("画像 ("+sub+")", "image ("+sub+")")
	case strings.HasPrefix(t, "audio/"):
		return pick("音声 ("+sub+")", "audio ("+sub+")")
	case strings.HasPrefix(t, "video/"):
		return pick("動画 ("+sub+")", "video ("+sub+")")
	case t == "text/html":
		return "HTML"
	case t == "text/calendar":
		return pick("予定表 (iCalendar)", "calendar (iCalendar)")
	case strings.HasPrefix(t, "text/"):
		return pick("テキスト", "text")
	case t == "message/rfc822":
		return pick("メール", "e-mail message")
	case t == "application/rtf" || t == "text/rtf":
		return pick("リッチテキスト (RTF)", "rich text (RTF)")
	case t == "" || t == "application/octet-stream":
		return pick("形式不明", "unknown type")
	}
	return t
}
