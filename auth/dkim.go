package auth

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/emersion/go-msgauth/dkim"
)

// checkDKIM verifies the DKIM-Signature fields of the message read from
// msg (RFC 6376 §6), at most max of them. It returns an error only when
// reading msg failed; every other problem is a result.
func checkDKIM(ctx context.Context, r Resolver, msg io.Reader, max int) ([]DKIMResult, error) {
	src := &readErrRecorder{r: msg}
	verifs, err := dkim.VerifyWithOptions(src, &dkim.VerifyOptions{
		LookupTXT:        func(name string) ([]string, error) { return r.LookupTXT(ctx, name) },
		MaxVerifications: max,
	})
	if src.err != nil {
		return nil, src.err
	}
	if err != nil && !errors.Is(err, dkim.ErrTooManySignatures) {
		// The library could not read the header fields it needs.
		return []DKIMResult{{Value: PermError, Reason: "unreadable header: " + strings.TrimPrefix(err.Error(), "dkim: ")}}, nil
	}
	if len(verifs) == 0 {
		return []DKIMResult{{Value: None, Reason: "no signature"}}, nil
	}
	out := make([]DKIMResult, 0, len(verifs))
	for _, v := range verifs {
		// RFC 8616 §4: d= may be written in U-labels; we keep A-labels.
		res := DKIMResult{Domain: lowerDomain(v.Domain), Identifier: v.Identifier}
		switch {
		case v.Err == nil:
			res.Value = Pass
		case dkim.IsTempFail(v.Err):
			res.Value, res.Reason = TempError, "key lookup failed"
		case dkim.IsPermFail(v.Err):
			// RFC 8601 §2.7.1: a signature that cannot be processed (bad
			// tags, no key, revoked key) is a permerror.
			res.Value, res.Reason = PermError, strings.TrimPrefix(v.Err.Error(), "dkim: ")
		default:
			// The signature or body hash did not verify.
			res.Value, res.Reason = Fail, strings.TrimPrefix(v.Err.Error(), "dkim: ")
		}
		out = append(out, res)
	}
	return out, nil
}

// readErrRecorder remembers a read error of the message, which is the
// relay's (a spool that cannot be read), not the sender's.
type readErrRecorder struct {
	r   io.Reader
	err error
}

func (e *readErrRecorder) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}
