package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/quotedprintable"
	"os"
	"unicode/utf8"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // HTML parts in other charsets
	"github.com/emersion/go-message/mail"

	"github.com/mugai/mugai/internal/testcorpus"
)

// newsletter writes one large HTML newsletter made of the real HTML
// bodies of a mail corpus (../shared/corpus): every text/html part of
// every message, in file name order, decoded to UTF-8 and concatenated
// (again from the first when the corpus has too few) up to size bytes.
// It writes the HTML as a file, for w3m, and as a message
// (quoted-printable UTF-8, as newsletters are sent), for mugai sanitize:
//
//	mugai-bench newsletter [-corpus DIR] [-size BYTES] -html FILE -eml FILE
func newsletter(args []string) error {
	fs := flag.NewFlagSet("newsletter", flag.ExitOnError)
	corpus := fs.String("corpus", testcorpus.Dir(), "the corpus directory (default $MUGAI_CORPUS, else ../shared/corpus)")
	size := fs.Int("size", 5<<20, "bytes of HTML")
	htmlOut := fs.String("html", "", "HTML file to write")
	emlOut := fs.String("eml", "", "message file to write")
	fs.Parse(args)
	if *corpus == "" || *htmlOut == "" || *emlOut == "" {
		return errors.New("usage: mugai-bench newsletter [-corpus DIR] [-size BYTES] -html FILE -eml FILE")
	}
	bodies, err := corpusHTML(*corpus)
	if err != nil {
		return err
	}
	if len(bodies) == 0 {
		return fmt.Errorf("no HTML part in %s", *corpus)
	}
	var doc bytes.Buffer
	for i := 0; doc.Len() < *size; i++ {
		doc.Write(bodies[i%len(bodies)])
		doc.WriteByte('\n')
	}
	if err := os.WriteFile(*htmlOut, doc.Bytes(), 0o644); err != nil {
		return err
	}
	var msg bytes.Buffer
	msg.WriteString("From: news@example.com\r\nTo: soumu@city.example.lg.jp\r\nSubject: newsletter\r\n" +
		"Date: Mon, 7 Dec 2026 09:00:00 +0900\r\nMessage-ID: <newsletter@example.com>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&msg)
	qp.Write(doc.Bytes())
	qp.Close()
	crlf := bytes.ReplaceAll(bytes.ReplaceAll(msg.Bytes(), []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
	if err := os.WriteFile(*emlOut, crlf, 0o644); err != nil {
		return err
	}
	fmt.Printf("parts=%d html_bytes=%d eml_bytes=%d\n", len(bodies), doc.Len(), len(crlf))
	return nil
}

// maxNewsletterPart is the largest HTML part taken.
const maxNewsletterPart = 256 << 10

// corpusHTML returns the decoded text/html parts of the corpus's messages.
func corpusHTML(dir string) ([][]byte, error) {
	files, err := testcorpus.List(dir)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for _, f := range files {
		out = append(out, htmlParts(f)...)
	}
	return out, nil
}

// htmlParts returns the text/html parts of one message that decode;
// a message that does not parse gives what was read before the error.
func htmlParts(path string) [][]byte {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	r, err := mail.CreateReader(f)
	if err != nil {
		return nil
	}
	var out [][]byte
	for {
		p, err := r.NextPart()
		if err != nil && !message.IsUnknownCharset(err) {
			return out
		}
		h, ok := p.Header.(*mail.InlineHeader)
		if !ok {
			continue
		}
		if t, _, err := h.ContentType(); err != nil || t != "text/html" {
			continue
		}
		// The resource-exhaustion fixtures (a 1 MB page of nested tags)
		// are no newsletters.
		// A part whose charset was not decoded is no UTF-8 newsletter.
		if b, err := io.ReadAll(io.LimitReader(p.Body, maxNewsletterPart+1)); err == nil && len(b) > 0 && len(b) <= maxNewsletterPart && utf8.Valid(b) {
			out = append(out, b)
		}
	}
}
