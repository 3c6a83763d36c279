package archive

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// textZip builds a zip of about size bytes (compressed) of varied Japanese
// and English text in 100 KB files.
func textZip(b *testing.B, size int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields("見積書 請求書 お世話になっております 会議 資料 予算 令和 年度 市役所 担当 the quick brown fox report budget meeting 2024 12345")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; buf.Len() < size; i++ {
		w, _ := zw.Create(fmt.Sprintf("docs/file%03d.txt", i))
		var sb strings.Builder
		for sb.Len() < 100_000 {
			sb.WriteString(words[rng.IntN(len(words))])
			if rng.IntN(12) == 0 {
				sb.WriteString("\n")
			} else {
				sb.WriteString(" ")
			}
		}
		w.Write([]byte(sb.String()))
	}
	zw.Close()
	return buf.Bytes()
}

// BenchmarkWalkZip reports MB/s of uncompressed text read from a 10 MB zip.
func BenchmarkWalkZip(b *testing.B) {
	data := textZip(b, 10_000_000)
	var total int64
	Walk(context.Background(), data, KindZip, Limits{}, func(e Entry, _ []byte) error { total += e.Size; return nil })
	b.SetBytes(total)
	for b.Loop() {
		if err := Walk(context.Background(), data, KindZip, Limits{}, func(Entry, []byte) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(data))/1e6, "zip-MB")
	b.ReportMetric(float64(total)/1e6, "text-MB")
}
