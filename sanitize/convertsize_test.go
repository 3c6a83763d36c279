package sanitize_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/mugai/mugai/sanitize"
	"github.com/mugai/mugai/sanitize/flatten"
)

// An attachment above limits.convert_size is never handed whole to a
// converter: the conversion is cancelled at the first byte beyond the
// limit and the attachment is dropped as too large, still hashed whole.
// One of exactly the limit converts as usual.
func TestConvertSize(t *testing.T) {
	const limit = 1024
	pol := sanitize.DefaultPolicy()
	pol.Limits.ConvertBytes = limit
	for _, size := range []int{limit, limit + 1, 20 * limit} {
		file := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), size-9)...)
		msg := strings.Replace(pdfMail, "JVBERi0xLjQKc2VjcmV0IGJ5dGVz", base64.StdEncoding.EncodeToString(file), 1)
		var got int
		conv := fakeConverter(func(ctx context.Context, in flatten.Input, r io.Reader) (*flatten.Result, error) {
			data, err := io.ReadAll(r)
			got = len(data)
			if err != nil {
				if ctx.Err() == nil {
					t.Errorf("size %d: read failed (%v) but the conversion was not cancelled", size, err)
				}
				return nil, ctx.Err()
			}
			return &flatten.Result{Kind: flatten.KindPDF, MediaType: "application/pdf", Action: flatten.ActionText, Text: "converted"}, nil
		})
		_, texts, rep := sanitizeWith(t, pol, conv, msg)
		if got > limit {
			t.Errorf("size %d: the converter was handed %d bytes, limit %d", size, got, limit)
		}
		p := rep.Parts[len(rep.Parts)-1]
		sum := sha256.Sum256(file)
		if p.SHA256 != hex.EncodeToString(sum[:]) || p.Size != int64(size) {
			t.Errorf("size %d: report has size %d, sha %s; want the whole part", size, p.Size, p.SHA256)
		}
		tooLarge := strings.Contains(texts[0].Body, "大きすぎるため変換できません")
		if want := size > limit; tooLarge != want || (p.Cause == sanitize.CauseTooLarge) != want {
			t.Errorf("size %d: dropped as too large %v, cause %q; want %v\n%s", size, tooLarge, p.Cause, want, texts[0].Body)
		}
	}
}

func TestFileConvertSize(t *testing.T) {
	pol := sanitize.DefaultPolicy()
	pol.Limits.ConvertBytes = 1024
	s := sanitize.New(pol)
	_, err := s.File(context.Background(), "big.txt", strings.NewReader(strings.Repeat("text\n", 1000)))
	var rej *sanitize.RejectError
	if !errors.As(err, &rej) || !strings.Contains(rej.Reason, "convert_size") {
		t.Errorf("got %v, want a rejection naming limits.convert_size", err)
	}
	if _, err := s.File(context.Background(), "small.txt", strings.NewReader("text\n")); err != nil {
		t.Errorf("small file: %v", err)
	}
}
