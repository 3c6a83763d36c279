package delivery

import (
	"strings"
	"testing"

	"github.com/mugai/mugai/internal/smtptest"
)

func TestNextHopTLS(t *testing.T) {
	ca := smtptest.NewCA(t)
	other := smtptest.NewCA(t)
	tlsSrv := smtptest.NewServer(t, ca.ServerTLS(t, "nexthop.test"))
	plainSrv := smtptest.NewServer(t, nil)

	tests := []struct {
		name     string
		addr     string
		setup    func(*NextHop)
		wantErr  [3]int // zero: delivered
		wantTLS  bool
		received *smtptest.Server
	}{
		{"required with pool", tlsSrv.Addr, func(h *NextHop) {
			h.TLS, h.RootCAs, h.ServerName = TLSRequired, ca.Pool(), "nexthop.test"
		}, [3]int{}, true, tlsSrv},
		{"required with CA file and IP name", tlsSrv.Addr, func(h *NextHop) {
			h.TLS, h.CAFile = TLSRequired, ca.WritePEM(t)
		}, [3]int{}, true, tlsSrv},
		{"required, wrong CA", tlsSrv.Addr, func(h *NextHop) {
			h.TLS, h.RootCAs, h.ServerName = TLSRequired, other.Pool(), "nexthop.test"
		}, [3]int{4, 7, 5}, false, nil},
		{"required, wrong name", tlsSrv.Addr, func(h *NextHop) {
			h.TLS, h.RootCAs, h.ServerName = TLSRequired, ca.Pool(), "elsewhere.test"
		}, [3]int{4, 7, 5}, false, nil},
		{"required, not offered", plainSrv.Addr, func(h *NextHop) {
			h.TLS, h.RootCAs = TLSRequired, ca.Pool()
		}, [3]int{4, 7, 4}, false, nil},
		{"opportunistic, offered (unverified)", tlsSrv.Addr, func(h *NextHop) {
			h.TLS = TLSOpportunistic
		}, [3]int{}, true, tlsSrv},
		{"opportunistic, not offered", plainSrv.Addr, func(h *NextHop) {
			h.TLS = TLSOpportunistic
		}, [3]int{}, false, plainSrv},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := testHop(tt.addr)
			tt.setup(h)
			before := 0
			if tt.received != nil {
				before = len(tt.received.Messages())
			}
			err := send(t, h, []string{"bob@example.jp"}, strings.NewReader(testMessage))
			if tt.wantErr != [3]int{} {
				wantStatus(t, err, 451, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("send: %v", err)
			}
			msgs := tt.received.Messages()
			if len(msgs) != before+1 {
				t.Fatalf("got %d messages, want %d", len(msgs), before+1)
			}
			m := msgs[len(msgs)-1]
			if m.TLS != tt.wantTLS {
				t.Errorf("TLS = %v, want %v", m.TLS, tt.wantTLS)
			}
			if m.Helo != "mugai.test" {
				t.Errorf("EHLO name after STARTTLS %q", m.Helo)
			}
		})
	}
}
