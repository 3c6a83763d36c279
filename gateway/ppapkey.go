package gateway

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"filippo.io/age"

	"github.com/mugai/mugai/vault"
)

// ppapKeySetting names, in the vault, the public key the instances
// sharing it encrypt archives to.
const ppapKeySetting = "ppap_key"

// loadPPAPKey reads the PPAP key at path (ppap.key_file): the age identity
// that held archives and their opened contents are encrypted to. Unlike
// the vault's identity, which may be kept offline, the gateway must hold
// this one: it opens archives without an operator. It is made at first
// start (its directory too) and checked against the one the instances
// sharing v use (its public key is recorded in the vault), as
// console.LoadLinkKey does for the link key.
func loadPPAPKey(ctx context.Context, v *vault.Vault, path string, log *slog.Logger) (*age.X25519Identity, error) {
	ids, err := vault.LoadIdentities(path)
	claimed, cerr := v.Setting(ctx, ppapKeySetting)
	if cerr != nil {
		return nil, cerr
	}
	var id *age.X25519Identity
	switch {
	case errors.Is(err, fs.ErrNotExist) && claimed != "":
		return nil, fmt.Errorf("ppap: the key file %s is missing, and the instances sharing this vault encrypt held archives to %s: copy their key file here (mode 0600)", path, claimed)
	case errors.Is(err, fs.ErrNotExist):
		if id, err = vault.GenerateKey(); err != nil {
			return nil, fmt.Errorf("ppap: key: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("ppap: key: %w", err)
		}
		if err := vault.WriteIdentityFile(path, id, time.Now()); err != nil {
			return nil, fmt.Errorf("ppap: key: %w", err)
		}
		abs, _ := filepath.Abs(path)
		log.Warn("ppap: created the key held archives are encrypted to; other gateways sharing this vault need a copy of it",
			"file", abs, "public_key", id.Recipient().String())
	case err != nil:
		return nil, fmt.Errorf("ppap: %w", err)
	default:
		x, ok := ids[0].(*age.X25519Identity)
		if len(ids) != 1 || !ok {
			return nil, fmt.Errorf("ppap: the key file %s must hold one X25519 identity", path)
		}
		id = x
	}
	pub := id.Recipient().String()
	got, err := v.ClaimSetting(ctx, ppapKeySetting, pub)
	if err != nil {
		return nil, err
	}
	if got != pub {
		return nil, fmt.Errorf("ppap: the key in %s (public key %s) differs from the one the instances sharing this vault use (%s): copy their key file here", path, pub, got)
	}
	return id, nil
}
