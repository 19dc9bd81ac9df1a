# airudder_exporter image, built like the Prometheus projects' images: a
# static binary built outside the image, CA certificates and the default
# config on an empty base. Build with `make image` (it runs `make build` and
# prepares .build/, the only part of the tree sent as build context).
#
# Run:   podman run --network host airudder_exporter:latest --demo
#        podman run -d -p 10133:10133 -e AIRUDDER_APP_KEY=... -e AIRUDDER_APP_SECRET=... \
#          -e WEBHOOK_TOKEN=... -v airudder-data:/var/lib/airudder_exporter airudder_exporter:latest
FROM scratch
LABEL org.opencontainers.image.title="airudder_exporter" \
      org.opencontainers.image.description="Prometheus exporter for AiRudder voice robots and LAAFFIC IVR calls"

# For https://api.airudder.com and the other vendor APIs; time zones are
# embedded in the binary (time/tzdata), so no zoneinfo is needed.
COPY .build/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY .build/airudder_exporter   /bin/airudder_exporter
# config.yml plus `data`, a symlink to the state volume: the working
# directory below makes the binary's defaults (--config.file=config.yml,
# --storage.path=data) work with no flag at all, so any argument list
# (`--demo`, `--log.level=debug`) keeps the shipped config and the volume.
COPY .build/rootfs/etc/airudder_exporter/ /etc/airudder_exporter/
# The dedup memory (one file per vendor) survives restarts in this volume.
# Two steps so /var and /var/lib stay root's and only the state directory
# belongs to the runtime user.
COPY .build/rootfs/var/ /var/
COPY --chown=65534:65534 .build/state/ /var/lib/airudder_exporter/

USER 65534:65534
WORKDIR /etc/airudder_exporter
EXPOSE 10133
VOLUME ["/var/lib/airudder_exporter"]
ENTRYPOINT ["/bin/airudder_exporter"]
