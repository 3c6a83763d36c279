package ppap

import (
	"slices"
	"strings"
	"testing"
)

// TestCandidatesPasswordMails: password mails as people and PPAP tools
// write them. want lists the candidates in order; the real password must
// come first.
func TestCandidatesPasswordMails(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"colon, one line",
			"先ほどお送りしたファイルのパスワードをお知らせします。パスワード：Abc123!",
			[]string{"Abc123!"}},
		{"full-width colon and letters",
			"山田様\n\nお世話になっております。\n先ほどのメールの添付ファイルのパスワードです。\n\nパスワード：Ａｂｃ１２３！\n\nよろしくお願いいたします。",
			[]string{"Abc123!"}},
		{"は…です",
			"添付ファイルのパスワードはxK8mP2qRです。",
			[]string{"xK8mP2qR"}},
		{"は and a space",
			"パスワードは Tokyo2024 です。",
			[]string{"Tokyo2024"}},
		{"below, on its own line",
			"株式会社〇〇\n鈴木様\n\n先ほど送付いたしました「見積書.zip」の解凍パスワードは下記のとおりです。\n\n　　8xK#2mPq\n\n以上、よろしくお願いいたします。",
			[]string{"8xK#2mPq"}},
		{"label line then value",
			"■パスワード\nhT4$wq9Z\n\n※本メールは自動送信です。",
			[]string{"hT4$wq9Z"}},
		{"bracket label",
			"【パスワード】Sx7-Kp2m\n【ファイル名】請求書_202404.zip",
			[]string{"Sx7-Kp2m"}},
		{"quoted",
			"解凍用のパスワードは「tanaka0401」になります。",
			[]string{"tanaka0401"}},
		{"quoted with double quotes",
			"The password for the attached file is \"Spring 2024!\".",
			[]string{"Spring 2024!"}},
		{"PPAP tool notification",
			"本メールは、以下のメールに添付されたファイルのパスワード通知です。\n\n" +
				"件名　　　：【見積書送付】庁舎清掃業務\n送信日時　：2024/04/01 09:30\n添付ファイル：見積書.zip\n" +
				"パスワード：9dK2#vLq\n\n※このメールは送信専用アドレスから送信しています。",
			[]string{"9dK2#vLq"}},
		{"label in parentheses",
			"パスワード（半角英数字・大文字小文字を区別）：Qw3rty!9",
			[]string{"Qw3rty!9"}},
		{"value then a parenthesis",
			"パスワード：Abc123!（大文字小文字を区別します）",
			[]string{"Abc123!"}},
		{"PW",
			"PW:pr0ject-x",
			[]string{"pr0ject-x"}},
		{"pw lower case with spaces",
			"お疲れ様です。\npw : 20240401\nよろしくお願いします。",
			[]string{"20240401"}},
		{"暗証番号",
			"暗証番号：4721",
			[]string{"4721"}},
		{"パスコード",
			"パスコードは「583920」です。",
			[]string{"583920"}},
		{"casual パス",
			"さっきのzipのパス: hanako88",
			[]string{"hanako88"}},
		{"English",
			"Hello,\n\nThe password for the zip file I just sent is: Ocean#42\n\nBest regards,\nJohn",
			[]string{"Ocean#42"}},
		{"English is",
			"The password is kT9vq2Lm",
			[]string{"kT9vq2Lm"}},
		{"English sentence end",
			"Password: blue-sky-77.",
			[]string{"blue-sky-77.", "blue-sky-77"}},
		{"half-width katakana",
			"ﾊﾟｽﾜｰﾄﾞ:Abc123!",
			[]string{"Abc123!"}},
		{"only the password",
			"Abc123!",
			[]string{"Abc123!"}},
		{"only the password, lower case",
			"\r\n  sakura2024  \r\n",
			[]string{"sakura2024"}},
		{"only a word",
			"himitsu\r\n",
			[]string{"himitsu"}},
		{"greeting, password, closing",
			"お世話になっております。\n\n7Hq#k2Lz\n\nよろしくお願いいたします。",
			[]string{"7Hq#k2Lz"}},
		{"signature after the password",
			"パスワード：Abc123!\n\n-- \n山田太郎\nTEL 03-1234-5678\nyamada@example.jp",
			[]string{"Abc123!"}},
		{"two archives, two passwords",
			"見積書.zip のパスワード：Mitsu123\n請求書.zip のパスワード：Seikyu456",
			[]string{"Mitsu123", "Seikyu456"}},
		{"mask then value",
			"パスワード：********（別途お送りします）\nPW: Real-pass1",
			[]string{"Real-pass1"}},
		{"bracketed label on its own line",
			"【解凍パスワード】\r\nAbc123!\r\n",
			[]string{"Abc123!"}},
		{"upper case and a tab",
			"PASSWORD\tZx9-Qw8-Er7",
			[]string{"Zx9-Qw8-Er7"}},
		{"reply quoting the old one",
			"こちらが新しいパスワードです。\nパスワード：New-2024\n\n> パスワード：Old-2023",
			[]string{"New-2024"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Candidates(tc.text, 0); !slices.Equal(got, tc.want) {
				t.Errorf("Candidates = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestCandidatesProse: ordinary mail that talks about passwords, or has
// short ASCII tokens, gives nothing.
func TestCandidatesProse(t *testing.T) {
	for _, text := range []string{
		"パスワードを変更してください。",
		"パスワードを忘れた方はこちら\nhttps://example.jp/reset",
		"パスワードは別のメールでお送りします。\n\nよろしくお願いいたします。",
		"パスワード付きZIPファイルを送付します。",
		"パスワード付きファイル（report.zip）をお送りします。",
		"Forgot your password?\nClick here",
		"Your password has been changed.\nIf this was not you, contact support@example.com",
		"Change your password\nLogin",
		"パスポートの申請について",
		"The test passed: all good",
		"お世話になっております。\n本日の会議資料を添付いたします。\nご確認のほどよろしくお願いいたします。",
		"山田太郎\nTEL 03-1234-5678\n03-1234-5679\nyamada@example.jp\nhttps://example.jp/",
		"パスワード：********",
		"Thanks!\n",
		"OK",
		"",
	} {
		if got := Candidates(text, 0); len(got) != 0 {
			t.Errorf("Candidates(%q) = %q, want none", text, got)
		}
	}
}

// TestCandidatesBounds: the count, the token length and the text read
// are bounded.
func TestCandidatesBounds(t *testing.T) {
	var b strings.Builder
	for i := range 100 {
		b.WriteString("パスワード：Pass")
		b.WriteString(strings.Repeat("x", i%5))
		b.WriteString(string(rune('A' + i%26)))
		b.WriteString("1\n")
	}
	if got := Candidates(b.String(), 3); len(got) != 3 {
		t.Errorf("max 3: %q", got)
	}
	if got := Candidates(b.String(), 0); len(got) != DefaultMaxCandidates {
		t.Errorf("default: %d candidates", len(got))
	}
	long := "パスワード：" + strings.Repeat("A1", 33)
	if got := Candidates(long, 0); len(got) != 0 {
		t.Errorf("66-character token taken: %q", got)
	}
	late := strings.Repeat("あ", maxText) + "\nパスワード：Abc123!"
	if got := Candidates(late, 0); len(got) != 0 {
		t.Errorf("token past maxText taken: %q", got)
	}
}
