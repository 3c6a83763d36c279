# mugai container image: the static binaries (mugai and its conversion
# worker), CA roots, the reference config, and nothing else — no shell, no
# package manager, no libc.
#
# It is built in two steps so that no base image is ever pulled: the
# binary is built on the host, then copied into an empty (scratch) image.
# scripts/docker-build.sh does both in a temporary build context:
#
#   CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o dist/ ./cmd/mugai ./cmd/mugai-convert
#   cp /etc/ssl/certs/ca-certificates.crt dist/
#   mkdir -p dist/rootfs/tmp dist/state/mugai && chmod 1777 dist/rootfs/tmp
#   docker build -t mugai .
#
# Run it with your configuration mounted over the reference one (which is
# the embedded default: 127.0.0.1:2525, a maildir in the working directory);
# a deployed config sets listen.smtp to 0.0.0.0:2525 (or :25),
# relay.networks, relay.domains and delivery.next_hop:
#
#   docker run -d --name mugai -p 2525:2525 \
#     -v /etc/mugai/mugai.yaml:/etc/mugai/mugai.yaml:ro mugai
#
# docs/operations.md ("Container") has the details.
FROM scratch

# /tmp (mode 1777) for the spool of messages larger than 1 MiB. Copied as
# an entry of dist/rootfs/ so that its mode is kept: the directory a COPY
# names as its destination would be created 0755 and owned by root.
COPY dist/rootfs/ /

# CA roots for delivery.tls: required without ca_file. Go looks for this
# file first on Linux; SSL_CERT_FILE=/path overrides it.
COPY dist/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt

# The licence of the Adobe CMap tables inside mugai (CJK PDF text), which
# goes with every copy of the binary.
COPY dist/cmaps.LICENSE /usr/share/doc/mugai/cmaps.LICENSE

# The reference configuration, identical to the defaults inside the binary.
COPY config/mugai.yaml /etc/mugai/mugai.yaml

# The working directory, writable by the runtime user: the default maildir
# ./mugai-outbox lands in it (mount a volume here to keep it).
COPY --chown=65532:65532 dist/state/ /var/spool/

# The conversion worker beside mugai: each attachment is converted in one
# of these, confined (Landlock, seccomp), and it starts faster than mugai.
COPY dist/mugai dist/mugai-convert /usr/local/bin/

# A numeric user (scratch has no /etc/passwd): never root. Binding a port
# below 1024 inside the container then needs --cap-add NET_BIND_SERVICE
# and --sysctl net.ipv4.ip_unprivileged_port_start=0, or use 2525 and
# publish it as 25 (-p 25:2525).
USER 65532:65532
WORKDIR /var/spool/mugai
EXPOSE 2525

# "mugai healthcheck" dials listen.smtp (and GETs /healthz when
# listen.http is set) from the same config file; no shell needed.
HEALTHCHECK --interval=30s --timeout=10s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/mugai", "healthcheck", "-config", "/etc/mugai/mugai.yaml"]

# SIGTERM drains sessions for up to 60 s: stop with a longer timeout
# (docker stop -t 70, or stop_grace_period: 70s in compose).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/mugai"]
CMD ["serve", "-config", "/etc/mugai/mugai.yaml"]
