package config

import (
	"slices"
	"time"

	"github.com/mugai/mugai/sanitize"
)

// SanitizePolicy is the sanitize section and the sanitizer's share of the
// limits section as a sanitize.Policy: what a message gets when no route
// chooses another policy.
func (c *Config) SanitizePolicy() sanitize.Policy {
	return c.policy(c.Sanitize)
}

// NamedPolicy returns the policy called name: "default" (or "") is
// SanitizePolicy, any other name an entry of policies laid over the
// sanitize section. ok is false for an unknown name. passthrough reports
// that the policy forwards messages unchanged; p is then SanitizePolicy,
// so a caller that overlooks passthrough still sanitizes rather than
// forwarding something unexpected.
func (c *Config) NamedPolicy(name string) (p sanitize.Policy, passthrough bool, ok bool) {
	if name == "" || name == "default" {
		return c.SanitizePolicy(), false, true
	}
	ps, ok := c.Policies[name]
	if !ok {
		return sanitize.Policy{}, false, false
	}
	if ps.Passthrough {
		return c.SanitizePolicy(), true, true
	}
	return c.policy(ps.SanitizeSection), false, true
}

// policy combines a sanitize section with the limits.
func (c *Config) policy(s SanitizeSection) sanitize.Policy {
	l := c.Limits
	return sanitize.Policy{
		Prefer:         s.Prefer,
		Links:          s.Links,
		Ambiguous:      s.Ambiguous,
		OverLimit:      s.OverLimit,
		Language:       s.Language,
		NoticePosition: s.NoticePosition,
		ExtraHeaders:   cloneList(s.ExtraHeaders),
		Flatten:        s.Flatten,
		Images:         s.Images,
		Scripts:        s.Scripts,
		Limits: sanitize.Limits{
			MessageBytes:   int64(l.MessageSize),
			Depth:          l.MIMEDepth,
			Parts:          l.MIMEParts,
			HeaderBytes:    int(l.HeaderSize),
			LineBytes:      int(l.LineLength),
			PartBytes:      int64(l.PartSize),
			TotalBytes:     int64(l.DecodedSize),
			HTMLTokenBytes: int(l.HTMLToken),
			Time:           time.Duration(l.SanitizeTime),
			ArchiveDepth:   l.ArchiveDepth,
			ArchiveEntries: l.ArchiveEntries,
			ArchiveBytes:   int64(l.ArchiveSize),
			ArchiveRatio:   l.ArchiveRatio,
			ImagePixels:    int64(l.ImagePixels),
			ConvertTime:    time.Duration(l.ConvertTime),
			ConvertBytes:   int64(l.ConvertSize),
			TextBytes:      int64(l.TextSize),
			ConvertMemory:  int64(l.ConvertMemory),
			ConvertOutput:  int64(l.ConvertOutput),
			PDFPages:       l.PDFPages,
			Payloads:       l.Payloads,
		},
	}
}

// cloneList copies a list so a Policy shares no memory with the Config
// (which a reload may replace); empty becomes nil, as in
// sanitize.DefaultPolicy.
func cloneList(xs []string) []string {
	if len(xs) == 0 {
		return nil
	}
	return slices.Clone(xs)
}
