package main

import (
	"math/rand/v2"
	"strings"
)

// Sentences of a Japanese municipality's everyday mail and reports. The
// generators draw from them with a fixed seed, so every run sends the
// same bytes and the figures of two runs compare.
var sentences = []string{
	"お世話になっております。総務課の山田です。",
	"先日ご依頼いただきました資料について、取りまとめが完了しましたのでお送りいたします。",
	"来週の定例会議は、第二会議室にて午後二時より開催いたします。",
	"つきましては、出欠のご回答を今月二十日までにいただけますと幸いです。",
	"本件に関するお問い合わせは、企画政策課（内線４３２１）までお願いいたします。",
	"なお、添付の資料は庁内限りの取り扱いとさせていただきます。",
	"①議事次第、②配布資料、③参考資料の三点を添付しております。",
	"㈱テスト商事様よりご提案のあった件について、担当課で検討を進めております。",
	"令和７年度の予算要求に向けて、各課の事業計画の提出をお願いします。",
	"防災訓練の実施にあたり、避難所の開設手順を再確認してください。",
	"住民説明会の開催日程が決まりましたので、ご案内申し上げます。",
	"システム更新に伴い、来月一日の午前中は窓口業務を一時停止いたします。",
	"ご不明な点がございましたら、お気軽にお問い合わせください。",
	"引き続きよろしくお願い申し上げます。",
	"今回の改正は、個人情報の保護に関する法律の施行に伴うものです。",
	"対象となる世帯には、今月末までに通知書を郵送する予定です。",
	"会議録の確認をお願いします。修正がある場合は赤字でご記入ください。",
	"公用車の利用予約は、グループウェアの施設予約から行ってください。",
	"ふるさと納税の返礼品について、新たに三事業者と協定を締結しました。",
	"子育て支援センターの利用者数は、前年度比で一割ほど増加しています。",
}

var headings = []string{
	"事業の概要", "予算の執行状況", "今後の課題", "住民サービスの向上", "防災・減災の取組",
	"デジタル化の推進", "地域福祉の充実", "教育環境の整備", "観光振興", "財政の健全化",
}

var projects = []string{
	"道路維持補修", "防災備蓄品", "庁舎改修", "子育て支援", "地域交通", "図書館運営", "観光案内", "情報システム",
}

func pick(rng *rand.Rand, from []string) string { return from[rng.IntN(len(from))] }

// paragraph joins n sentences.
func paragraph(rng *rand.Rand, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(pick(rng, sentences))
	}
	return b.String()
}
