package sanitize

import (
	"fmt"
	"strings"

	"github.com/mugai/mugai/sanitize/flatten"
	"github.com/mugai/mugai/sanitize/payload"
)

// The notice is derived from the Report, like the X-Mugai-Sanitized
// summary: noticeItems reads the report into the lines the notice has, in
// order, and renderNotice words them.

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
	itemNearDelimiter                       // a line that looks like a MIME delimiter was read as content (RFC 2046)
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

// unchosen reports whether items of kind k are listed for the parts of an
// alternative that was not chosen: the files removed or attached, not
// what happened to a text no one sees.
func (k itemKind) unchosen() bool {
	switch k {
	case itemDropped, itemTextKept, itemPayload, itemPayloadRest:
		return true
	}
	return false
}

// noticeItem is one line of the notice, or a share of a line that
// counts or sums (links, resources, addresses per place).
type noticeItem struct {
	kind  itemKind
	part  *PartReport // the part it is about, if any
	name  string      // the part's name for people
	spoof *Spoof      // for itemAddressName
}

// noticeItems reads the report into notice items: the header's first,
// then each part's in document order. A text's own lines (charset,
// truncation) come before the files cut out of it, which come before the
// line that says what became of the text.
func noticeItems(rep *Report) []noticeItem {
	var items []noticeItem
	for i := range rep.Spoofs {
		items = append(items, noticeItem{kind: itemAddressName, spoof: &rep.Spoofs[i]})
	}
	names := partNames(rep.Parts)
	add := func(k itemKind, i int) {
		if p := &rep.Parts[i]; !p.Unchosen || k.unchosen() {
			items = append(items, noticeItem{kind: k, part: p, name: names[i]})
		}
	}
	for i := 0; i < len(rep.Parts); {
		p := &rep.Parts[i]
		cut := i + 1 // the files cut out of p's text follow it
		for p.Action != ActionPayloadRemoved && cut < len(rep.Parts) &&
			rep.Parts[cut].Action == ActionPayloadRemoved && rep.Parts[cut].Path == p.Path {
			cut++
		}
		if p.CharsetGuessed && p.Charset != "us-ascii" {
			// A guess of US-ASCII changes no character.
			add(itemCharset, i)
		}
		if p.Truncated && p.isText() {
			add(itemTruncated, i)
		}
		for c := i + 1; c < cut; c++ {
			add(rep.Parts[c].mainItem(names[c]), c)
		}
		if p.URLsChanged > 0 {
			add(itemTextURLs, i)
		}
		if k := p.mainItem(names[i]); k != 0 {
			add(k, i)
		}
		i = cut
	}
	if len(rep.NearDelimiters) > 0 {
		items = append(items, noticeItem{kind: itemNearDelimiter})
	}
	if rep.Unreadable {
		items = append(items, noticeItem{kind: itemUnreadable})
	}
	return items
}

// isText reports whether the part was read as text (not converted).
func (p *PartReport) isText() bool {
	switch p.Action {
	case ActionBody, ActionBodyFromHTML, ActionTextAttachment, ActionSkipped:
		return true
	}
	return false
}

// mainItem is the notice item that says what became of the part, 0 for
// none; name is the part's name for people.
func (p *PartReport) mainItem(name string) itemKind {
	switch p.Action {
	case ActionBodyFromHTML:
		return itemHTML
	case ActionTextAttachment:
		if !p.Verbatim {
			return itemTextKept
		}
	case ActionSignatureRemoved:
		return itemSignature
	case ActionConverted:
		return itemConverted
	case ActionReencoded:
		return itemReencoded
	case ActionExpanded:
		return itemExpanded
	case ActionPayloadRemoved:
		if p.Encoding == string(payload.TooMany) {
			return itemPayloadRest
		}
		return itemPayload
	case ActionDropped:
		return p.dropItem(name)
	}
	return 0
}

func (p *PartReport) dropItem(name string) itemKind {
	switch {
	case p.Cause == CausePartial:
		return itemPartial
	case p.Cause == CauseEncryptedMessage:
		return itemEncrypted
	case p.Resource && name == "":
		return itemResourceDropped
	}
	return itemDropped
}

// partNames names each part for people: its file name, an archive
// member's the archive's name and its path ("資料.zip/見積書.pdf").
func partNames(parts []PartReport) []string {
	names := make([]string, len(parts))
	archive := -1 // the last archive of a MIME part
	for i := range parts {
		p := &parts[i]
		switch {
		case p.Entry == "":
			names[i] = p.Filename
			if p.Action == ActionExpanded {
				archive = i
			}
		case archive >= 0 && parts[archive].Path == p.Path:
			names[i] = parts[archive].Filename + "/" + p.Entry
		default:
			names[i] = p.Filename
		}
	}
	return names
}

// noticeType is the type the notice names a part by: for a text
// attachment or an encrypted part the declared one; for a converter's
// verdict the type it detected, unless it knew none; else Type.
func noticeType(p *PartReport) string {
	switch {
	case p.Action == ActionTextAttachment || p.Cause == CauseEncryptedMessage:
		return p.DeclaredType
	case p.Kind != "" && p.Kind != string(flatten.KindUnknown):
		return p.SniffedType
	}
	return p.Type()
}

// urlPlace is where the notice says addresses were changed: "" for the
// message text, else the attachment's name.
func urlPlace(it noticeItem) string {
	switch it.part.Action {
	case ActionBody, ActionBodyFromHTML, ActionSkipped:
		return ""
	case ActionTextAttachment:
		if it.name == "" {
			return it.part.Output
		}
	}
	return it.name
}

// maxNoticeBytes bounds the notice: once it is this long, the files that
// remain to be listed are counted in one line instead. A message of many
// attachments, archive members or encoded files then gets a notice a
// person can read, and the output a bounded one (the report still lists
// every part).
const maxNoticeBytes = 64 << 10

// notice writes the notice's lines.
type notice struct {
	b     strings.Builder
	lang  Language
	pol   *Policy
	items []noticeItem
	seen  map[string]bool
	// Counted and summed, and written at the end.
	omitted       int
	resources     int
	resourceBytes int64
	urlPlaces     []string // the message text ("") or an attachment, in order of appearance
	urlCounts     map[string]int
}

// renderNotice formats the notice: the caller's lines (Additions.Notice,
// cleaned), then the items, under pol; "" when there is nothing to say.
func renderNotice(pol *Policy, lines []string, items []noticeItem) string {
	if len(items) == 0 && len(lines) == 0 {
		return ""
	}
	n := &notice{lang: pol.Language, pol: pol, items: items, seen: map[string]bool{}, urlCounts: map[string]int{}}
	n.b.WriteString(msg(n.lang, msgHeading))
	n.b.WriteByte('\n')
	for _, l := range lines {
		n.line("%s", "%s", l)
	}
	for _, it := range items {
		if n.b.Len() >= maxNoticeBytes && it.kind.perFile() {
			n.omitted++
			continue
		}
		itemWriters[it.kind](n, it)
	}
	n.summaries()
	return strings.TrimRight(n.b.String(), "\n")
}

// line writes one line, in Japanese or English.
func (n *notice) line(ja, en string, args ...any) {
	if n.lang == English {
		fmt.Fprintf(&n.b, "- "+en+"\n", args...)
	} else {
		fmt.Fprintf(&n.b, "・"+ja+"\n", args...)
	}
}

// hash writes the SHA-256 line of a file.
func (n *notice) hash(sum string) {
	if sum != "" {
		fmt.Fprintf(&n.b, "  SHA-256: %s\n", sum)
	}
}

// once reports whether key is seen for the first time.
func (n *notice) once(key string) bool {
	if n.seen[key] {
		return false
	}
	n.seen[key] = true
	return true
}

// file is the name, type and size of a file, as a line names them.
func (n *notice) file(it noticeItem) (name, typ, size string) {
	name = it.name
	if name == "" {
		name = msg(n.lang, msgNoName)
	}
	return name, typeLabel(n.lang, noticeType(it.part)), humanSize(n.lang, it.part.Size)
}

// summaries writes the lines that count or sum.
func (n *notice) summaries() {
	if n.omitted > 0 {
		n.line("ほか %d 件のファイルの変更は、このお知らせが長くなりすぎるため省略しました（処理の記録には残っています）。",
			"%d more files were changed as above; they are not listed, to keep this notice readable (the processing record lists them).", n.omitted)
	}
	for _, place := range n.urlPlaces {
		if place == "" {
			n.line("本文中の URL %d 件をクリックできない形に変更しました。",
				"Web addresses in the message text made non-clickable: %d.", n.urlCounts[place])
		} else {
			n.line("添付「%s」の中の URL %d 件をクリックできない形に変更しました。",
				`Web addresses in attachment "%s" made non-clickable: %d.`, place, n.urlCounts[place])
		}
	}
	if n.resources > 0 {
		n.line("本文中の画像などの埋め込みファイル %d 件 (計 %s) を削除しました。",
			"%d embedded resources of the HTML body (images and the like, %s in all) were removed.",
			n.resources, humanSize(n.lang, n.resourceBytes))
	}
}

// itemWriters write the line of each kind of item.
var itemWriters = map[itemKind]func(*notice, noticeItem){
	itemHTML:            (*notice).html,
	itemDropped:         (*notice).dropped,
	itemResourceDropped: (*notice).resource,
	itemTextKept:        (*notice).textKept,
	itemPayload:         (*notice).payload,
	itemPayloadRest:     (*notice).payloadRest,
	itemSignature:       (*notice).onceLine,
	itemEncrypted:       (*notice).encrypted,
	itemPartial:         (*notice).onceLine,
	itemCharset:         (*notice).charset,
	itemTruncated:       (*notice).onceLine,
	itemTextURLs:        (*notice).textURLs,
	itemConverted:       (*notice).converted,
	itemReencoded:       (*notice).reencoded,
	itemExpanded:        (*notice).expanded,
	itemAddressName:     (*notice).addressName,
	itemUnreadable:      (*notice).onceLine,
	itemNearDelimiter:   (*notice).onceLine,
}

// html says the HTML body was converted, once, with the links changed in
// every HTML body.
func (n *notice) html(noticeItem) {
	if !n.once("html") {
		return
	}
	total := 0
	for _, o := range n.items {
		if o.kind == itemHTML {
			total += o.part.LinksChanged
		}
	}
	switch {
	case total == 0:
		n.line("HTML 形式の本文をテキストに変換しました。", "The HTML body was converted to plain text.")
	case n.pol.Links == LinksDefang:
		n.line("HTML 形式の本文をテキストに変換しました（リンク %d 件をクリックできない形に変更）。",
			"The HTML body was converted to plain text; links made non-clickable: %d.", total)
	default:
		n.line("HTML 形式の本文をテキストに変換しました（リンク %d 件の URL を削除）。",
			"The HTML body was converted to plain text; link URLs removed: %d.", total)
	}
}

func (n *notice) dropped(it noticeItem) {
	name, typ, size := n.file(it)
	n.line("添付「%s」(%s, %s) を削除しました。%s", `Attachment "%s" (%s, %s) was removed.%s`,
		name, typ, size, reasonSuffix(n.lang, it.part))
	n.hash(it.part.SHA256)
}

func (n *notice) converted(it noticeItem) {
	name, typ, size := n.file(it)
	extra := conversionSuffix(n.lang, it.part)
	if it.part.Output == "" {
		n.line("添付「%s」(%s, %s) をテキストに変換し、本文の後に載せました。%s",
			`Attachment "%s" (%s, %s) was converted to text, shown after the message text.%s`, name, typ, size, extra)
	} else {
		n.line("添付「%s」(%s, %s) をテキストに変換し「%s」として添付しました。%s",
			`Attachment "%s" (%s, %s) was converted to text and attached as "%s".%s`, name, typ, size, it.part.Output, extra)
	}
	n.hash(it.part.SHA256)
}

func (n *notice) reencoded(it noticeItem) {
	name, typ, size := n.file(it)
	n.line("添付「%s」(%s, %s) は画素から描き直し「%s」として添付しました（メタデータなどは削除）。%s",
		`Image "%s" (%s, %s) was redrawn from its pixels and attached as "%s" (metadata and the like removed).%s`,
		name, typ, size, it.part.Output, conversionSuffix(n.lang, it.part))
	n.hash(it.part.SHA256)
}

func (n *notice) expanded(it noticeItem) {
	name, typ, size := n.file(it)
	n.line("添付「%s」(%s, %s) を展開しました（%d 件）。中のファイルは次のとおりです。%s",
		`Attachment "%s" (%s, %s) was unpacked (%d files); its files follow.%s`,
		name, typ, size, it.part.Members, conversionSuffix(n.lang, it.part))
	n.hash(it.part.SHA256)
}

func (n *notice) addressName(it noticeItem) {
	s := it.spoof
	n.line("%s の表示名「%s」に、実際の送信元とは異なるアドレス %s が含まれています。実際のアドレスは %s です（表示名に書き添えました）。",
		`The display name "%s" in %s shows the address %s, which is not the real one: %s (added to the name).`,
		pickArgs(n.lang, s.Field, s.Name, s.Shown, s.Address)...)
}

func (n *notice) resource(it noticeItem) {
	n.resources++
	n.resourceBytes += it.part.Size
}

func (n *notice) textKept(it noticeItem) {
	name, typ, size := n.file(it)
	if t := it.part.DeclaredType; t == "text/html" || t == "application/xhtml+xml" {
		n.line("添付「%s」(HTML) をテキストに変換し「%s」として添付しました。",
			`Attachment "%s" (HTML) was converted to text and attached as "%s".`, name, it.part.Output)
		return
	}
	n.line("添付「%s」(%s, %s) を UTF-8 のテキスト「%s」として添付しました。",
		`Attachment "%s" (%s, %s) was attached as UTF-8 text "%s".`, name, typ, size, it.part.Output)
}

func (n *notice) payload(it noticeItem) {
	name, typ, size := n.file(it)
	n.line("本文に埋め込まれた %s 形式のファイル「%s」(%s, %s) を削除しました。",
		`A file embedded in the text as %s, "%s" (%s, %s), was removed.`, it.part.Encoding, name, typ, size)
	n.hash(it.part.SHA256)
}

func (n *notice) payloadRest(it noticeItem) {
	n.line("埋め込まれたファイルが多すぎる (上限 %d 件) ため、テキストの残り (%s) を読まずに削除しました。",
		"The text held too many embedded files (the limit is %d); the rest of it (%s) was removed unread.",
		n.pol.Limits.Payloads, humanSize(n.lang, it.part.Size))
	n.hash(it.part.SHA256)
}

// encrypted names an encrypted file like any removed file; encrypted
// content that is no file (multipart/encrypted) is said once.
func (n *notice) encrypted(it noticeItem) {
	if it.part.SHA256 != "" {
		name, typ, size := n.file(it)
		n.line("添付「%s」(%s, %s) を削除しました。暗号化されているため、内容を検査できません。",
			`Attachment "%s" (%s, %s) was removed. It is encrypted, so its content could not be inspected.`, name, typ, size)
		n.hash(it.part.SHA256)
		return
	}
	n.onceLine(it)
}

// onceTexts are the lines said once however many items ask: [ja, en].
var onceTexts = map[itemKind][2]string{
	itemEncrypted: {"暗号化された部分は内容を検査できないため削除しました。",
		"Encrypted content was removed because it cannot be inspected."},
	itemSignature: {"電子署名は無害化後のメールでは検証できないため、検証せずに削除しました。",
		"The digital signature was removed without verification (it cannot match the rebuilt message)."},
	itemPartial: {"分割されたメール (message/partial) または外部参照 (message/external-body) の部分を削除しました。",
		"A message fragment (message/partial) or external reference (message/external-body) was removed."},
	itemTruncated: {"HTML に大きすぎる要素があったため、その手前までをテキストに変換しました。",
		"The HTML had an oversized element; only the text before it was kept."},
	itemNearDelimiter: {"MIME の区切り線 (boundary) で始まるものの区切り線ではない行を、RFC 2046 のとおり本文の一部として読んで無害化しました（前方一致で区切るソフトでは別の部分に見えることがある形です）。",
		"A line began with the MIME boundary but was not a delimiter line; it was read as content, as RFC 2046 says, and sanitized that way (software that matches boundaries by prefix would have seen other parts)."},
	itemUnreadable: {"一部の文字は読み取れなかったため、置換文字 (U+FFFD) で表示しています（文字コードの誤りや破損のため）。",
		"Some characters could not be read and are shown as the replacement character U+FFFD (a wrong or broken character encoding)."},
}

// onceLine writes the line of it's kind, the first time only.
func (n *notice) onceLine(it noticeItem) {
	if n.once(fmt.Sprint("kind:", int(it.kind))) {
		n.line("%s", "%s", pickLang(n.lang, onceTexts[it.kind]))
	}
}

func (n *notice) charset(it noticeItem) {
	if n.once("cs:" + it.part.Charset) {
		n.line("文字コードの指定がない、または誤っているため、%s と推定して変換しました。",
			"The character set was missing or wrong; the text was decoded as %s (a guess).", it.part.Charset)
	}
}

// textURLs counts the addresses changed per place; summaries writes them.
func (n *notice) textURLs(it noticeItem) {
	place := urlPlace(it)
	if _, ok := n.urlCounts[place]; !ok {
		n.urlPlaces = append(n.urlPlaces, place)
	}
	n.urlCounts[place] += it.part.URLsChanged
}
