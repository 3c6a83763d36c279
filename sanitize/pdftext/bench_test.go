package pdftext

import (
	"context"
	"testing"
)

func BenchmarkExtract(b *testing.B) {
	for _, bc := range []struct {
		name string
		doc  []byte
	}{
		{"prose-200p", proseDoc(200, genOpts{compress: true})},
		{"prose-200p-objstm", proseDoc(200, genOpts{objStm: true})},
		{"japanese-100p", japaneseDoc(repeatLines(japaneseLines, 40), genOpts{compress: true}, false)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.doc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Extract(context.Background(), bc.doc, Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func repeatLines(lines []string, n int) []string {
	var out []string
	for range n {
		out = append(out, lines...)
	}
	return out
}
