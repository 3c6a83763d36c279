package gateway

import (
	"errors"
	"fmt"
	"testing"

	"github.com/mugai/mugai/sanitize"
	"github.com/mugai/mugai/smtpd/reply"
)

// TestRejectionReply: each kind of the sanitizer's refusal gets its
// reply, with the reason as text; other errors are left alone.
func TestRejectionReply(t *testing.T) {
	for _, tc := range []struct {
		rej  sanitize.RejectError
		want string
	}{
		{sanitize.RejectError{Kind: sanitize.RejectLimit, Limit: sanitize.LimitMessageSize, Reason: "message size exceeds the limit"}, "552 5.3.4 message size exceeds the limit"},
		{sanitize.RejectError{Kind: sanitize.RejectLimit, Limit: sanitize.LimitDepth, Reason: "too deep"}, "550 5.6.0 too deep"},
		{sanitize.RejectError{Kind: sanitize.RejectAmbiguous, Reason: "duplicate parameter"}, "550 5.6.0 duplicate parameter"},
		{sanitize.RejectError{Kind: sanitize.RejectMalformed, Reason: "unreadable"}, "550 5.6.0 unreadable"},
		{sanitize.RejectError{Kind: sanitize.RejectPolicy, Reason: "refused"}, "554 5.7.1 refused"},
		{sanitize.RejectError{Kind: sanitize.RejectAuth, Reason: "dmarc=fail"}, "550 5.7.1 dmarc=fail"},
	} {
		err := Rejection(fmt.Errorf("sanitize: %w", &tc.rej))
		var r *reply.Reply
		if !errors.As(err, &r) || r.String() != tc.want || !errors.As(err, new(*sanitize.RejectError)) {
			t.Errorf("%s: %v, want %s", tc.rej.Kind, err, tc.want)
		}
	}
	other := errors.New("disk full")
	if Rejection(other) != other {
		t.Error("an error that is no refusal was changed")
	}
}
