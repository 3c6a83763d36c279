package main

import (
	"context"
	"log/slog"
	"strings"

	"github.com/mugai/mugai/gateway"
	"github.com/mugai/mugai/vault"
)

func (r *vaultRun) release(args []string) int {
	fs := r.flags()
	idFile := fs.String("identity", "", "identity file (default: vault.identity_file)")
	lgwan := fs.Bool("lgwan", false, "release into the LGWAN (needs vault.release.lgwan: allow) instead of to the Internet-side mailbox")
	to := fs.String("to", "", "only these recipients of the message, comma-separated (default: all)")
	reason := fs.String("reason", "", "why, for the audit log and the X-Mugai-Released header")
	pos, code := r.parse(args, 1, "vault release [-lgwan] [-to ADDR,...] [-reason TEXT] ID")
	if code >= 0 {
		return code
	}
	rl, err := gateway.NewReleaser(r.cfg, r.v, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		return r.failErr(err)
	}
	ids, err := r.identities(*idFile)
	if err != nil {
		return r.failErr(err)
	}
	req := vault.ReleaseRequest{ID: pos[0], Target: vault.TargetInternet,
		Access: vault.Access{Actor: r.who(), Reason: *reason, Identities: ids}}
	if *lgwan {
		req.Target = vault.TargetLGWAN
	}
	if *to != "" {
		req.Recipients = strings.Split(*to, ",")
	}
	res, err := rl.Release(context.Background(), req)
	if err != nil {
		return r.failErr(err)
	}
	r.stdout.Write([]byte("released " + pos[0] + " (" + string(res.Target) + ") to " + strings.Join(res.To, ", ") + "\n"))
	return r.done(exitOK)
}
