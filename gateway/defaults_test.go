package gateway

import (
	"slices"
	"testing"
	"time"

	"github.com/mugai/mugai/config"
	"github.com/mugai/mugai/console"
	"github.com/mugai/mugai/delivery"
	"github.com/mugai/mugai/ppap"
	"github.com/mugai/mugai/sandbox"
	"github.com/mugai/mugai/smtpd"
	"github.com/mugai/mugai/vault"
)

// TestPackageDefaults holds each package's built-in defaults (what a zero
// field means) to the documented defaults of config/mugai.yaml, so that
// the two cannot drift apart: a library used without a configuration
// behaves as mugai does without one. (sanitize's are held to it by
// config's own test of SanitizePolicy.)
func TestPackageDefaults(t *testing.T) {
	cfg := config.Default()
	l, d := cfg.Limits, cfg.Delivery
	conv, err := sandbox.New(sandbox.Converter{Exe: "/nonexistent/worker"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		key           string
		pkg, mugaiYML any
	}{
		{"limits.message_size", int64(smtpd.DefaultMaxMessageBytes), int64(l.MessageSize)},
		{"limits.recipients", smtpd.DefaultMaxRecipients, l.Recipients},
		{"limits.connections", smtpd.DefaultMaxConnections, l.Connections},
		{"limits.connections_per_ip", smtpd.DefaultMaxConnectionsPerIP, l.ConnectionsPerIP},
		{"limits.session_time", smtpd.DefaultSessionTime, time.Duration(l.SessionTime)},
		{"limits.command_timeout", smtpd.DefaultCommandTimeout, time.Duration(l.CommandTimeout)},
		{"limits.data_timeout", smtpd.DefaultDataTimeout, time.Duration(l.DataTimeout)},
		{"limits.min_data_rate", int64(smtpd.DefaultMinDataRate), int64(l.MinDataRate)},
		{"limits.protocol_errors", smtpd.DefaultMaxProtocolErrors, l.ProtocolErrors},
		{"delivery.recipient_timeout", smtpd.DefaultRecipientTimeout, time.Duration(d.RecipientTimeout)},
		{"delivery.envelope_time", smtpd.DefaultEnvelopeTime, time.Duration(d.EnvelopeTime)},
		{"delivery.connect_timeout", delivery.DefaultConnectTimeout, time.Duration(d.ConnectTimeout)},
		{"delivery.command_timeout", delivery.DefaultCommandTimeout, time.Duration(d.CommandTimeout)},
		{"limits.convert_time", conv.Time, time.Duration(l.ConvertTime)},
		{"limits.convert_memory", conv.Memory, int64(l.ConvertMemory)},
		{"limits.convert_output", conv.Output, int64(l.ConvertOutput)},
		{"sandbox.landlock", string(conv.Landlock), cfg.Sandbox.Landlock},
		{"vault.retention", vault.DefaultRetention, time.Duration(cfg.Vault.Retention)},
		{"console.session_lifetime", console.DefaultSessionLifetime, time.Duration(cfg.Console.SessionLifetime)},
		{"console.idle_timeout", console.DefaultIdleTimeout, time.Duration(cfg.Console.IdleTimeout)},
		{"console.login_attempts", console.DefaultLoginAttempts, cfg.Console.LoginAttempts},
		{"console.lockout", console.DefaultLockout, time.Duration(cfg.Console.Lockout)},
		{"ppap.*", ppap.DefaultPolicy(), cfg.PPAPPolicy()},
	} {
		if tt.pkg != tt.mugaiYML {
			t.Errorf("%s: the package's default is %v, mugai.yaml's %v", tt.key, tt.pkg, tt.mugaiYML)
		}
	}
	if !slices.Equal(conv.ReadPaths, cfg.Sandbox.ReadPaths) {
		t.Errorf("sandbox.read_paths: the package's default is %q, mugai.yaml's %q", conv.ReadPaths, cfg.Sandbox.ReadPaths)
	}
}
