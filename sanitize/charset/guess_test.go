package charset

import (
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// Realistic texts, encoded with x/text's encoders (an implementation
// independent of the guesser) to get the bytes a mailer would send.
const (
	japaneseMail = `山田様

いつもお世話になっております。株式会社サンプルの佐藤です。

先日ご依頼いただきました見積書を添付にてお送りいたします。
ご確認のほど、よろしくお願いいたします。

なお、納期につきましては１１月３０日（木）を予定しております。
ご不明な点がございましたら、お気軽にお問い合わせください。

--
株式会社サンプル 営業部 佐藤 太郎
TEL: 03-1234-5678 / Mail: sato@example.co.jp
`
	chineseMail = `王经理：

您好！关于下周的项目会议，我们计划在星期三下午两点开始，地点在公司三楼会议室。
请您提前准备好相关的资料，并通知其他部门的负责人参加。如有任何问题，请随时与我联系。

谢谢！
李明
`
	traditionalMail = `陳先生您好：

關於下週的專案會議，我們預計在星期三下午兩點開始，地點在公司三樓會議室。
請您提前準備好相關的資料，並通知其他部門的負責人參加。如有任何問題，請隨時與我聯繫。

謝謝！
林明
`
	koreanMail = `김 부장님께,

안녕하세요. 다음 주 프로젝트 회의는 수요일 오후 두 시에 회사 삼층 회의실에서 시작할 예정입니다.
관련 자료를 미리 준비해 주시고 다른 부서 책임자들에게도 알려 주시기 바랍니다.

감사합니다.
이민호 드림
`
	germanMail = "Sehr geehrte Damen und Herren,\n\nvielen Dank für Ihre Nachricht. Die Unterlagen für die Besprechung am Dienstag schicke ich Ihnen gerne zu. Grüße aus München – Jürgen Müller\n"
	frenchMail = "Bonjour,\n\nVoici le résumé de la réunion de jeudi. Nous avons décidé d’élaborer un nouveau modèle. À bientôt, François\n"
)

func encode(t testing.TB, e encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encoding %q: %v", s, err)
	}
	return b
}

func TestGuessRealistic(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"Japanese Shift_JIS", encode(t, japanese.ShiftJIS, japaneseMail), "shift_jis"},
		{"Japanese EUC-JP", encode(t, japanese.EUCJP, japaneseMail), "euc-jp"},
		{"Japanese ISO-2022-JP", encode(t, japanese.ISO2022JP, japaneseMail), "iso-2022-jp"},
		{"Japanese UTF-8", []byte(japaneseMail), "utf-8"},
		{"Japanese UTF-16LE with BOM", encode(t, charmapUTF16LE(), japaneseMail), "utf-16"}, // the UseBOM encoder writes the BOM
		{"Japanese CRLF Shift_JIS", encode(t, japanese.ShiftJIS, strings.ReplaceAll(japaneseMail, "\n", "\r\n")), "shift_jis"},
		{"Chinese GBK", encode(t, simplifiedchinese.GBK, chineseMail), "gbk"},
		{"Chinese Big5", encode(t, traditionalchinese.Big5, traditionalMail), "big5"},
		{"Korean EUC-KR", encode(t, korean.EUCKR, koreanMail), "euc-kr"},
		{"German windows-1252", encode(t, charmap.Windows1252, germanMail), "windows-1252"},
		{"French windows-1252", encode(t, charmap.Windows1252, frenchMail), "windows-1252"},
		{"German UTF-8", []byte(germanMail), "utf-8"},
		{"English", []byte("Dear all,\r\nThe meeting is at 10.\r\n"), "us-ascii"},
	}
	for _, c := range cases {
		if got := Guess(c.in); got != c.want {
			t.Errorf("%s: Guess = %q, want %q", c.name, got, c.want)
		}
		// And Decode without a label gets the text back.
		got, res := Decode(c.in, "")
		if res.Charset != c.want || !res.Guessed {
			t.Errorf("%s: Decode result %+v", c.name, res)
		}
		if strings.Contains(c.name, "Japanese") && strings.ReplaceAll(got, "\r\n", "\n") != japaneseMail {
			t.Errorf("%s: Decode = %q", c.name, got)
		}
	}
}

func charmapUTF16LE() encoding.Encoding {
	enc, _, _ := Lookup("utf-16le")
	return enc
}

func TestGuessShort(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"empty", "", "us-ascii"},
		{"ASCII", "Re: meeting", "us-ascii"},
		{"Shift_JIS テスト", "\x83e\x83X\x83g", "shift_jis"},
		{"Shift_JIS こんにちは", "\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd", "shift_jis"},
		{"Shift_JIS 日本", "\x93\xfa\x96{", "shift_jis"},
		{"Shift_JIS ①㈱", "\x87@\x87\x8a", "shift_jis"},
		{"Shift_JIS subject", "Re: \x89\xef\x8bc\x82\xcc\x8c\x8f", "shift_jis"}, // Re: 会議の件
		{"EUC-JP テスト", "\xa5\xc6\xa5\xb9\xa5\xc8", "euc-jp"},
		{"EUC-JP こんにちは", "\xa4\xb3\xa4\xf3\xa4\xcb\xa4\xc1\xa4\xcf", "euc-jp"},
		{"EUC-JP subject", "Re: \xb2\xf1\xb5\xc4\xa4\xce\xb7\xef", "euc-jp"},
		{"UTF-8 会議", "\xe4\xbc\x9a\xe8\xad\xb0", "utf-8"},
		{"UTF-8 é", "caf\xc3\xa9", "utf-8"},
		{"ISO-2022-JP", jis + "%F%9%H" + asc, "iso-2022-jp"},
		{"ISO-2022-JP old", old + "%F" + asc, "iso-2022-jp"},
		{"ISO-2022-JP katakana", kan + "1" + asc, "iso-2022-jp"},
		{"ISO-2022-JP Roman", rom + "x", "iso-2022-jp"},
		{"ISO-2022-JP 0212", sup + "\"/" + asc, "iso-2022-jp"},
		{"ISO-2022-JP with stray 8-bit", jis + "%F" + asc + "\xa0", "iso-2022-jp"},
		{"ESC ( B alone", "a" + asc, "us-ascii"},
		{"Latin café", "caf\xe9", "windows-1252"},
		{"Latin déjà", "d\xe9j\xe0 vu", "windows-1252"},
		{"Latin Grüße", "Gr\xfc\xdfe", "windows-1252"},
		{"Latin año", "a\xf1o", "windows-1252"},
		{"smart quotes", "\x93Hello\x94", "windows-1252"},
		{"UTF-8 BOM", "\xef\xbb\xbfx", "utf-8"},
		{"UTF-16 BOM BE", "\xfe\xff\x00x", "utf-16"},
		{"UTF-16 BOM LE", "\xff\xfex\x00", "utf-16"},
		{"UTF-16LE by NULs", "H\x00e\x00l\x00l\x00o\x00", "utf-16le"},
		{"UTF-16BE by NULs", "\x00H\x00e\x00l\x00l\x00o", "utf-16be"},
		{"mostly UTF-8", "\xe4\xbc\x9a\xe8\xad\xb0\xe3\x81\xae\xe4\xbb\xb6\xe3\x81\xa7\xe3\x81\x99\xff", "utf-8"},
	}
	for _, c := range cases {
		if got := Guess([]byte(c.in)); got != c.want {
			t.Errorf("%s: Guess(%q) = %q, want %q", c.name, c.in, got, c.want)
		}
	}
}

// TestGuessLong crosses the statistics prefix: the scorers must not count
// a character cut at the prefix end as an error.
func TestGuessLong(t *testing.T) {
	for _, c := range []struct {
		enc  encoding.Encoding
		want string
	}{{japanese.ShiftJIS, "shift_jis"}, {japanese.EUCJP, "euc-jp"}} {
		one := encode(t, c.enc, japaneseMail)
		var b []byte
		for len(b) < 4*statsPrefix {
			b = append(b, one...)
			b = append(b, 'x') // shift the alignment each round
		}
		if got := Guess(b); got != c.want {
			t.Errorf("Guess(%d bytes) = %q, want %q", len(b), got, c.want)
		}
	}
}

func TestValidShiftJISEUCJP(t *testing.T) {
	for _, tc := range []struct {
		name      string
		in        string
		truncated bool
		sjis, euc bool
	}{
		{"ASCII", "plain text\r\n", false, true, true},
		{"empty", "", false, true, true},
		{"kanji and kana in Shift_JIS", "\x93\xfa\x96\x7b\x8c\xea\x82\xa0", false, true, false},
		{"NEC row 13 (①)", "\x87\x40", false, true, false},
		{"half-width katakana", "\xb1\xb2\xb3", false, true, false},
		{"kanji and kana in EUC-JP", "\xc6\xfc\xcb\xdc\xb8\xec\xa4\xa2", false, true, true},
		{"EUC-JP SS2 katakana", "\x8e\xb1", false, true, true},
		{"EUC-JP SS2 out of range", "\x8e\xe0", false, true, false},
		{"EUC-JP SS3 JIS X 0212", "\x8f\xb0\xa1", false, true, true},
		{"Shift_JIS lead at the end", "a\x82", false, false, false},
		{"... of cut data", "a\x82", true, true, false},
		{"EUC-JP SS3 cut", "a\x8f\xb0", true, true, true},
		{"EUC-JP SS3 with a bad byte, cut", "a\x8f\x20", true, false, false},
		{"Shift_JIS bad trail", "\x82\x7f", false, false, false},
		{"0x80 leads nothing", "\x80\x40", false, false, false},
		{"UTF-8 kanji (Shift_JIS by chance)", "日本", false, true, false},
	} {
		if got := ValidShiftJIS([]byte(tc.in), tc.truncated); got != tc.sjis {
			t.Errorf("%s: ValidShiftJIS = %v, want %v", tc.name, got, tc.sjis)
		}
		if got := ValidEUCJP([]byte(tc.in), tc.truncated); got != tc.euc {
			t.Errorf("%s: ValidEUCJP = %v, want %v", tc.name, got, tc.euc)
		}
	}
}

// TestScanBytesMatchesBytewise compares scanBytes, which skips eight plain
// bytes at a time, with a byte at a time count.
func TestScanBytesMatchesBytewise(t *testing.T) {
	alphabet := []byte("ab \n\x00\x1b$B(J\x80\xe3\xff")
	seed := uint32(12)
	for range 5000 {
		seed = seed*1664525 + 1013904223
		in := make([]byte, int(seed>>20)%200)
		for i := range in {
			seed = seed*1664525 + 1013904223
			if seed>>28 < 12 {
				in[i] = 'x' // long plain runs, as in real text
			} else {
				in[i] = alphabet[int(seed>>16)%len(alphabet)]
			}
		}
		want := byteStats{limit: len(in)}
		for i, c := range in {
			switch {
			case c >= 0x80:
				want.high++
				if want.high == statsPrefix {
					want.limit = i + 1
				}
			case c == 0:
				if i&1 == 0 {
					want.nulEven++
				} else {
					want.nulOdd++
				}
			case c == 0x1b && !want.jisEsc:
				want.jisEsc = isJISEscape(in[i:])
			}
		}
		if got := scanBytes(in); got != want {
			t.Fatalf("%q: got %+v, want %+v", in, got, want)
		}
	}
}
