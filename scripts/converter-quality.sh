#!/usr/bin/env bash
# converter-quality.sh — how much of the text reference extractors find do
# mugai's converters find: word recall per file and the mean, in two
# tables.
#
#   PDF: against pdftotext (poppler-utils), over the PDFs of the shared
#   corpus, generated documents (among them one per kind of CJK font
#   without a ToUnicode map: 90ms-RKSJ-H, 90msp-RKSJ-H, EUC-H, H,
#   Identity-H over Adobe-Japan1, UniJIS-UCS2-H, GBK-EUC-H, ETen-B5-H,
#   KSCms-UHC-H...), the TeX-made fixtures of testdata/fixtures, and, when
#   Ghostscript is installed, Japanese text set by Ghostscript in the
#   standard Japanese CMaps (it embeds IPA fonts as CIDFontType2 without
#   ToUnicode). Target: mean recall >= 97%.
#
#   Legacy Office: .doc against catdoc, .xls against xls2csv, .ppt against
#   catppt (package catdoc), over the LibreOffice-made fixtures, documents
#   built from the specifications, the corpus's legacy attachments and,
#   when LibreOffice is installed, more documents it converts here.
#   Target: mean recall >= 95%.
#
# Installs poppler-utils and catdoc when run as root and they are missing;
# Ghostscript and LibreOffice are used only when present (apt-get install
# ghostscript fonts-ipafont-mincho libreoffice-writer-nogui ...). Exits 1
# when a target is missed. Not run by CI (it needs the corpus and tools CI
# does not install). Usage: scripts/converter-quality.sh (from anywhere).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v pdftotext >/dev/null || need+=(poppler-utils)
command -v catdoc >/dev/null || need+=(catdoc)
if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "installing ${need[*]}" >&2
		DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
	else
		echo "converter-quality: needs ${need[*]} (apt-get install ${need[*]})" >&2
		exit 1
	fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/pdf" "$work/office"

# Japanese PDFs from Ghostscript: a PostScript program showing Japanese
# text in a CID-keyed font with each standard CMap, converted by pdfwrite.
if command -v gs >/dev/null && command -v python3 >/dev/null; then
	python3 - "$work/pdf" <<'PY'
import sys
out = sys.argv[1]
lines = ["見積書の送付について", "お世話になっております。株式会社サンプルの山田です。",
         "住民票の写しの交付申請は、窓口または郵送で受け付けています。",
         "手数料は一通につき三百円です。本人確認書類をお持ちください。",
         "令和6年度 予算要求書 (第2版) ABC 123"]
def jis(s):
    b = s.encode("iso2022_jp")
    return b.replace(b"\x1b$B", b"").replace(b"\x1b(B", b"")
for cmap, font, enc in [("90ms-RKSJ-H", "HeiseiMin-W3", lambda s: s.encode("cp932")),
                        ("90msp-RKSJ-H", "HeiseiKakuGo-W5", lambda s: s.encode("cp932")),
                        ("EUC-H", "HeiseiMin-W3", lambda s: s.encode("euc_jp")),
                        ("H", "HeiseiMin-W3", jis),
                        ("UniJIS-UCS2-H", "HeiseiKakuGo-W5", lambda s: s.encode("utf-16-be"))]:
    ps = ["%!PS", "/%s-%s findfont 13 scalefont setfont" % (font, cmap)]
    y = 760
    for l in lines:
        if cmap == "H":
            l = l.replace(" ", "").replace("(", "").replace(")", "")
            l = "".join(c for c in l if not c.isascii())
        ps.append("56 %d moveto <%s> show" % (y, enc(l).hex()))
        y -= 22
    ps.append("showpage")
    open("%s/gs-%s.ps" % (out, cmap), "w").write("\n".join(ps) + "\n")
PY
	for ps in "$work"/pdf/*.ps; do
		timeout 60 gs -q -dNOPAUSE -dBATCH -sDEVICE=pdfwrite -sOutputFile="${ps%.ps}.pdf" "$ps" >/dev/null 2>&1 || echo "gs failed on $ps" >&2
		rm -f "$ps"
	done
else
	echo "(Ghostscript not installed: its Japanese PDFs are left out)" >&2
fi

# More legacy Office documents from LibreOffice: the fixture sources in
# other shapes (the memo as text, the budget as CSV) and each format.
if command -v soffice >/dev/null; then
	src=testdata/fixtures/src
	printf '品名,数量,単価,備考\nりんご,10,150,青森産\nみかん,20,80,"愛媛, 早生"\nPrinter paper,3,1200,A4 size\n' >"$work/items.csv"
	sed -n 's/.*<text:p>\([^<]*\)<\/text:p>.*/\1/p' "$src/memo.fodt" >"$work/memo-text.txt"
	for job in "doc:MS Word 97|$work/memo-text.txt" "doc:MS Word 97|$src/memo.fodt" "xls:MS Excel 97|$work/items.csv" \
		"xls:MS Excel 97|$src/budget.fods" "ppt:MS PowerPoint 97|$src/plan.fodp"; do
		timeout 180 soffice --headless -env:UserInstallation="file://$work/profile" --infilter="CSV:44,34,76" \
			--convert-to "${job%%|*}" --outdir "$work/office" "${job#*|}" >/dev/null 2>&1 || echo "soffice failed on ${job#*|}" >&2
	done
else
	echo "(LibreOffice not installed: only the committed fixtures and built documents are measured)" >&2
fi

status=0
echo "== PDF: word recall against pdftotext"
MUGAI_PDF_QUALITY=1 MUGAI_PDF_EXTRA="$work/pdf${MUGAI_PDF_EXTRA:+:$MUGAI_PDF_EXTRA}" \
	go test ./sanitize/pdftext -run '^TestQuality$' -count=1 -v >"$work/pdf.log" 2>&1 || status=1
sed -n '/^ *file  /,/pdftotext times include/p' "$work/pdf.log" | sed 's/^        //'
grep -E 'under the|below 95' "$work/pdf.log" || true
echo
echo "== Legacy Office: word recall against catdoc / xls2csv / catppt"
MUGAI_OFFICE_QUALITY=1 MUGAI_OFFICE_EXTRA="$work/office${MUGAI_OFFICE_EXTRA:+:$MUGAI_OFFICE_EXTRA}" \
	go test ./sanitize/office -run '^TestLegacyQuality$' -count=1 -v >"$work/office.log" 2>&1 || status=1
sed -n '/^ *file  /,/^ *MEAN/p' "$work/office.log" | sed 's/^        //'
grep -E 'under the' "$work/office.log" || true
[ "$status" = 0 ] || echo "converter-quality: a target was missed" >&2
exit "$status"
