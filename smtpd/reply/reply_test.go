package reply

import (
	"errors"
	"fmt"
	"testing"
)

func TestReply(t *testing.T) {
	for _, tt := range []struct {
		r        *Reply
		enhanced [3]int
		wire     string
		temp     bool
	}{
		{New(MailboxUnavailable, SecurityDeliveryNotAuthorized, "Relay not permitted"), [3]int{5, 7, 1}, "550 5.7.1 Relay not permitted", false},
		{New(LocalError, SystemOther, "Internal error"), [3]int{4, 3, 0}, "451 4.3.0 Internal error", true},
		// The class follows the basic code: X.5.3 is 4.5.3 with a 452.
		{New(InsufficientStorage, ProtocolTooManyRecipients, "later"), [3]int{4, 5, 3}, "452 4.5.3 later", true},
		{New(MailboxUnavailable, SecurityMultipleAuthFailed, "DMARC"), [3]int{5, 7, 26}, "550 5.7.26 DMARC", false},
		{New(ServiceReady, NoEnhanced, "gw ESMTP"), [3]int{-1, -1, -1}, "220 gw ESMTP", false},
		{New(OK, Undefined, "Ok"), [3]int{2, 0, 0}, "250 2.0.0 Ok", false},
	} {
		if got := tt.r.EnhancedCode(); got != tt.enhanced {
			t.Errorf("%s: EnhancedCode() = %v, want %v", tt.wire, got, tt.enhanced)
		}
		if got := tt.r.String(); got != tt.wire {
			t.Errorf("String() = %q, want %q", got, tt.wire)
		}
		if tt.r.Temporary() != tt.temp {
			t.Errorf("%s: Temporary() = %v", tt.wire, tt.r.Temporary())
		}
	}
}

func TestMakeEnhanced(t *testing.T) {
	for _, tt := range []struct {
		subject, detail int
		want            Enhanced
	}{
		{7, 1, SecurityDeliveryNotAuthorized},
		{1, 3, AddressDestinationSyntax},
		{999, 999, 999_999},
		{-1, -1, Undefined},
		{1000, 1, Undefined},
		{1, 1000, Undefined},
	} {
		if got := MakeEnhanced(tt.subject, tt.detail); got != tt.want {
			t.Errorf("MakeEnhanced(%d, %d) = %v, want %v", tt.subject, tt.detail, got, tt.want)
		}
	}
	if s := SecurityMultipleAuthFailed.String(); s != "X.7.26" {
		t.Errorf("String() = %q", s)
	}
}

func TestCauseIsForTheLogOnly(t *testing.T) {
	base := New(LocalError, NetworkNoAnswer, "next hop: not reachable")
	cause := errors.New("dial tcp 192.0.2.1:25: connection refused")
	r := base.Because(cause)
	if base.Cause != nil {
		t.Error("Because changed its receiver")
	}
	if !errors.Is(r, cause) {
		t.Error("the cause is not unwrapped")
	}
	if r.String() != "451 4.4.1 next hop: not reachable" {
		t.Errorf("String() shows the cause: %q", r.String())
	}
	if r.Error() != "451 4.4.1 next hop: not reachable: "+cause.Error() {
		t.Errorf("Error() = %q", r.Error())
	}
	var got *Reply
	if !errors.As(fmt.Errorf("deliver: %w", r), &got) || got != r {
		t.Error("a wrapped reply is not found with errors.As")
	}
}
