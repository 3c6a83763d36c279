package archive_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/mugai/mugai/sanitize/archive"
)

// A caller lists an attachment's files and recurses into nested archives
// with its own depth limit and one byte budget for the whole tree.
func Example() {
	var inner bytes.Buffer
	zw := zip.NewWriter(&inner)
	w, _ := zw.Create("議事録.txt")
	w.Write([]byte("本日の議題"))
	zw.Close()

	var outer bytes.Buffer
	zw = zip.NewWriter(&outer)
	w, _ = zw.Create("資料/inner.zip")
	w.Write(inner.Bytes())
	w, _ = zw.Create("../../etc/passwd")
	w.Write([]byte("root:x:0:0"))
	zw.Create("空のフォルダ/")
	zw.Close()

	budget := int64(archive.DefaultTotalBytes)
	var visit func(data []byte, prefix string, depth int) error
	visit = func(data []byte, prefix string, depth int) error {
		if depth > 3 {
			return errors.New("archives nested too deep")
		}
		lim := archive.Limits{TotalBytes: budget}
		return archive.Walk(context.Background(), data, archive.Detect(data), lim, func(e archive.Entry, b []byte) error {
			budget -= int64(len(b))
			if k := archive.Detect(b); k.Supported() {
				return visit(b, prefix+e.Path+"!", depth+1)
			}
			if e.Skipped != "" {
				fmt.Printf("%s%s: not read (%s)\n", prefix, e.Path, e.Skipped)
				return nil
			}
			fmt.Printf("%s%s (%d bytes)\n", prefix, e.Path, e.Size)
			return nil
		})
	}
	if err := visit(outer.Bytes(), "", 1); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 資料/inner.zip!議事録.txt (15 bytes)
	// etc/passwd (10 bytes)
	// 空のフォルダ: not read (directory)
}
