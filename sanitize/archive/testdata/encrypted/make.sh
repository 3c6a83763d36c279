#!/usr/bin/env bash
# Makes the password-protected zip files that sanitize/archive's tests read,
# with the real tools that Japanese senders' archives come from:
# Info-ZIP's zip (zip -P, traditional PKWARE encryption), 7-Zip (7zz or 7z:
# traditional and WinZip AES-128/192/256, AE-2) and libarchive's bsdtar
# (WinZip AES AE-1). Debian packages: zip, 7zip (or p7zip-full),
# libarchive-tools; a tool that is missing skips its files.
#
#   bash make.sh [OUTDIR]     (default: this directory)
#
# The committed files were made by this script; TestEncryptedRealTools runs
# it again into a temporary directory when the tools are installed, so the
# tests also see fresh salts and timestamps. The tests, not this script,
# know what each archive must hold.
set -euo pipefail
out=$(realpath "${1:-$(dirname "$0")}")
pw='Abc123!'
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export LC_ALL=C.UTF-8 TZ=UTC

# The members: Japanese text under a Japanese name, numbers that deflate
# well, a file in a folder, a plain zip inside, and a file whose name is
# Shift_JIS bytes on disk (Info-ZIP stores them without the UTF-8 flag,
# as Windows tools do).
mkdir src && cd src
printf '見積書\r\n件名: 庁舎清掃業務委託\r\n金額: 1,234,567円（税込）\r\n' > 見積書.txt
seq 1 3000 > numbers.txt
mkdir docs && printf 'memo in a folder\n' > docs/memo.txt
printf 'inside the inner zip\n' > inner.txt && zip -q -X inner.zip inner.txt && rm inner.txt
sjis=$(printf '請求書.txt' | iconv -f UTF-8 -t SHIFT_JIS)
printf '請求書の本文です。\n' > "$sjis"
touch -d '2024-04-01 09:30:00' ./* docs/*
cd ..

z7=$(command -v 7zz || command -v 7z || true)
members=(見積書.txt numbers.txt docs/memo.txt inner.zip)

if command -v zip >/dev/null; then
  # Info-ZIP streams: flag bit 3, so the check byte is the time's.
  (cd src && zip -q -X -P "$pw" "$out/infozip-zipcrypto.zip" "${members[@]}" "$sjis")
  # A password that is not ASCII, given as Shift_JIS bytes (as a Windows
  # tool on Japanese Windows encrypts it).
  (cd src && zip -q -X -P "$(printf 'パスワード１' | iconv -f UTF-8 -t SHIFT_JIS)" "$out/infozip-sjis-password.zip" numbers.txt)
  # The same password as UTF-8 bytes, as zip on Linux or macOS takes it.
  # (7-Zip refuses a password that is not ASCII for zip files.)
  (cd src && zip -q -X -P 'パスワード１' "$out/infozip-utf8-password.zip" numbers.txt)
  # Two members under two passwords.
  rm -f "$out/infozip-two-passwords.zip"
  (cd src && zip -q -X -P "$pw" "$out/infozip-two-passwords.zip" numbers.txt && zip -q -X -P 'other-pw' "$out/infozip-two-passwords.zip" docs/memo.txt)
  # A bomb behind the password: 16 MiB of zeros deflate to 16 KB.
  head -c $((16 << 20)) /dev/zero > zeros.bin
  zip -q -X -P "$pw" "$out/infozip-bomb.zip" zeros.bin
  # An encrypted zip inside an encrypted zip.
  (cd src && zip -q -X -P "$pw" "$work/inner-locked.zip" docs/memo.txt)
  cp "$work/inner-locked.zip" src/inner-locked.zip
  (cd src && zip -q -X -P "$pw" "$out/infozip-nested.zip" inner.zip inner-locked.zip numbers.txt)
  rm src/inner-locked.zip
else
  echo "make.sh: zip not found: skipping the Info-ZIP files" >&2
fi

if [ -n "$z7" ]; then
  for em in ZipCrypto AES128 AES192 AES256; do
    f="$out/7z-$(echo "$em" | tr 'A-Z' 'a-z').zip"
    rm -f "$f"
    (cd src && "$z7" a -bd -bso0 -tzip -p"$pw" -mem="$em" "$f" "${members[@]}")
  done
else
  echo "make.sh: 7zz/7z not found: skipping the 7-Zip files" >&2
fi

if command -v bsdtar >/dev/null; then
  rm -f "$out/bsdtar-aes256.zip" "$out/bsdtar-zipcrypto.zip"
  (cd src && bsdtar --format zip --options zip:encryption=aes256 --passphrase "$pw" -cf "$out/bsdtar-aes256.zip" "${members[@]}")
  (cd src && bsdtar --format zip --options zip:encryption=zipcrypt --passphrase "$pw" -cf "$out/bsdtar-zipcrypto.zip" "${members[@]}")
else
  echo "make.sh: bsdtar not found: skipping the libarchive files" >&2
fi
