package config

import (
	"path/filepath"
	"time"

	"github.com/mugai/mugai/ppap"
)

// PPAP is the ppap section: opening password-protected zips held in the
// vault, by the recipient page or by the password mail that follows.
// mugai.yaml describes every key.
type PPAP struct {
	Enabled bool     `yaml:"enabled"`
	ByPage  bool     `yaml:"by_page"`
	ByMail  bool     `yaml:"by_mail"`
	Window  Duration `yaml:"window"`
	// MaxTries is the page's wrong passwords per zip before it locks.
	MaxTries      int `yaml:"max_tries"`
	MaxCandidates int `yaml:"max_candidates"`
	MaxMailTries  int `yaml:"max_mail_tries"`
	// KeyFile is the gateway's PPAP key; "" = ppap.key in vault.path.
	KeyFile string `yaml:"key_file"`
}

// PPAPKeyFile resolves ppap.key_file.
func (c *Config) PPAPKeyFile() string {
	if c.PPAP.KeyFile != "" {
		return c.PPAP.KeyFile
	}
	return filepath.Join(c.Vault.Path, "ppap.key")
}

// PPAPPolicy is the ppap section as the ppap package takes it.
func (c *Config) PPAPPolicy() ppap.Policy {
	p := c.PPAP
	return ppap.Policy{
		Window:        time.Duration(p.Window),
		MaxCandidates: p.MaxCandidates,
		MaxMailTries:  p.MaxMailTries,
		MaxPageTries:  p.MaxTries,
	}
}

func (v *validator) ppap() {
	p := v.c.PPAP
	v.duration("ppap.window", p.Window, time.Minute, 3650*24*time.Hour)
	if r := v.c.Vault.Retention; p.Window > r && time.Duration(r) >= time.Hour {
		// Said at whichever of the two keys the file wrote.
		const why = "a held zip would be purged before its password mail could open it"
		if v.d.line("ppap.window") != 0 {
			v.errorf("ppap.window", "%v is longer than vault.retention (%v): %s", p.Window, r, why)
		} else {
			v.errorf("vault.retention", "%v is shorter than ppap.window (%v): %s", r, p.Window, why)
		}
	}
	v.number("ppap.max_tries", p.MaxTries, 1, 100)
	v.number("ppap.max_candidates", p.MaxCandidates, 1, 100)
	v.number("ppap.max_mail_tries", p.MaxMailTries, 1, 1000)
}
