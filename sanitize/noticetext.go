package sanitize

import (
	"fmt"
	"strings"

	"github.com/mugai/mugai/sanitize/mediatype"
	"github.com/mugai/mugai/sanitize/payload"
)

// The notice's words: fixed texts, reasons, the converters' names of what
// they removed, sizes and types for people.

// message keys for fixed texts.
type msgKey int

const (
	msgHeading msgKey = iota
	msgForwarded
	msgImage
	msgReplaced
	msgNoName
	msgQuarantined
	msgHeldBack
	msgUnknown
	msgBodyText
	msgLink
)

var fixedTexts = map[msgKey][2]string{ // [ja, en]
	msgHeading:   {"【無害化のお知らせ】このメールは境界の無害化処理を通過しました。", "[Sanitization notice] This message passed the boundary sanitizer."},
	msgForwarded: {"---------- 転送されたメッセージ ----------", "---------- Forwarded message ----------"},
	msgImage:     {"画像", "image"},
	msgReplaced:  {"・このメールは安全に無害化できないため、本文と添付をすべて削除しました。", "- This message could not be sanitized safely; its whole content was removed."},
	msgNoName:    {"(名前なし)", "(no name)"},
	msgQuarantined: {"【無害化のお知らせ】このメールは安全に無害化できないため、内容をお届けせず、原本を隔離しました。届いたものは次のとおりです。",
		"[Sanitization notice] This message could not be sanitized safely: its content was held back and the original quarantined. What arrived:"},
	msgHeldBack: {"【無害化のお知らせ】このメールは次の理由により内容をお届けせず、原本を隔離しました。届いたものは次のとおりです。",
		"[Sanitization notice] This message's content was held back for the reason below and the original quarantined. What arrived:"},
	msgUnknown:  {"(読み取れません)", "(could not be read)"},
	msgBodyText: {"本文", "message text"},
	msgLink:     {"次のページから原本の取り寄せを依頼することもできます：", "You can also ask for the original on this page:"},
}

func msg(lang Language, k msgKey) string {
	return pickLang(lang, fixedTexts[k])
}

// noticeSeparator divides the notice from the body text.
const noticeSeparator = "------------------------------------------------------------"

// causeTexts word the causes of a drop: [ja, en].
var causeTexts = map[Cause][2]string{
	CauseUnsupported:      {"安全なテキストに変換できない形式です。", "Its type cannot be made safe."},
	CauseEncrypted:        {"パスワードで保護（暗号化）されているため、内容を確認できません。", "It is password-protected, so its content could not be inspected."},
	CauseNoText:           {"取り出せるテキストがありません（画像だけの PDF など）。", "It holds no text that could be extracted (a scanned PDF, for example)."},
	CauseCorrupt:          {"壊れていて読めません。", "It is damaged and could not be read."},
	CauseLimit:            {"大きすぎるか、圧縮爆弾の疑いがあります。", "It is too large, or looks like a compression bomb."},
	CauseImages:           {"画像は削除する設定です。", "Images are removed by policy."},
	CauseDepth:            {"圧縮ファイルの入れ子が深すぎます。", "Its archives are nested too deep."},
	CauseTimeout:          {"変換に時間がかかりすぎました。", "Converting it took too long."},
	CauseCrash:            {"変換できませんでした。", "It could not be converted."},
	CauseEmpty:            {"空のファイルです。", "It is empty."},
	CauseTooLarge:         {"大きすぎるため変換できません。", "It is too large to convert."},
	CauseScript:           {"スクリプトファイルは削除する設定です。", "Script files are removed by policy."},
	CauseTransferEncoding: {"転送エンコーディングが不明です。", "Its transfer encoding is unknown."},
}

// reasonSuffix explains why a part was dropped, and whether it claimed
// to be something else.
func reasonSuffix(lang Language, p *PartReport) string {
	var b strings.Builder
	if t, ok := causeTexts[p.Cause]; ok {
		b.WriteString(pickLang(lang, t))
	}
	b.WriteString(mismatchText(lang, p))
	if len(p.Removed) > 0 {
		b.WriteString(removedText(lang, p.Removed))
	}
	if lang == English && b.Len() > 0 {
		return " " + strings.TrimSpace(b.String())
	}
	return b.String()
}

// conversionSuffix tells what a conversion left out.
func conversionSuffix(lang Language, p *PartReport) string {
	var b strings.Builder
	if len(p.Removed) > 0 {
		b.WriteString(removedText(lang, p.Removed))
	}
	if p.Truncated {
		b.WriteString(pickLang(lang, [2]string{"長すぎるため途中までです。", " The text was cut at the size limit."}))
	}
	b.WriteString(mismatchText(lang, p))
	return b.String()
}

// mismatchText says that the declared type names another kind of file.
func mismatchText(lang Language, p *PartReport) string {
	switch {
	case !p.Mismatch || p.DeclaredType == "":
		return ""
	case lang == English:
		return fmt.Sprintf(" It was declared as %s, which does not match its content.", p.DeclaredType)
	}
	return fmt.Sprintf("宣言された形式 (%s) と内容が一致しません。", p.DeclaredType)
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
func payloadMarker(lang Language, p *PartReport) string {
	if p.Encoding == string(payload.TooMany) {
		return pickLang(lang, [2]string{"[削除: 埋め込まれたファイルが多すぎるため、ここから後]", "[removed: the rest of this text, which holds too many embedded files]"})
	}
	n := p.Filename
	if n == "" {
		n = msg(lang, msgNoName)
	}
	if lang == English {
		return fmt.Sprintf("[removed: embedded %s file %q]", p.Encoding, n)
	}
	return fmt.Sprintf("[削除: 埋め込まれた %s 形式のファイル「%s」]", p.Encoding, n)
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

// typeLabel names a media type for people (package mediatype's table).
func typeLabel(lang Language, t string) string {
	return mediatype.Name(t, lang == English)
}
