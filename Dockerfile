# confab as a container image: one static binary on an empty base, running as a non-root user.
#
#   docker build -t confab .
#   docker run -d --name confab --restart unless-stopped \
#       -e CONFAB_DOMAIN=chat.example.com -e CONFAB_ACME_EMAIL=you@example.com \
#       -p 80:80 -p 443:443 -v confab:/data confab
#
# By default the binary is compiled in the `build` stage. A host that has already run
# `cargo build --release` can package that binary instead, without compiling (or pulling the
# Rust image):
#
#   mkdir -p target/image-data && docker build --build-arg BINARY_FROM=context -t confab .
#
# Port 80 and 443 inside the container: Docker (20.10 and later) and Podman let unprivileged
# processes bind low ports in a container's own network namespace. On older engines add
# `--sysctl net.ipv4.ip_unprivileged_port_start=0`, or serve on high ports
# (`-e CONFAB_LISTEN=0.0.0.0:8443 -e CONFAB_HTTP_LISTEN=0.0.0.0:8080 -p 443:8443 -p 80:8080`).

ARG BINARY_FROM=build

FROM docker.io/library/rust:1.95-bookworm AS build
ARG CONFAB_GIT_REVISION=unknown
RUN rustup target add x86_64-unknown-linux-musl
WORKDIR /src
COPY . .
RUN CONFAB_GIT_REVISION="${CONFAB_GIT_REVISION}" cargo build --release --locked \
    && install -D -m 0755 target/x86_64-unknown-linux-musl/release/confab /out/confab \
    && install -d -m 0700 /out/data

# The two ways to get the files of the image; BINARY_FROM picks one.
FROM scratch AS files-from-build
COPY --from=build /out/confab /confab
COPY --from=build /out/data /data

FROM scratch AS files-from-context
COPY target/x86_64-unknown-linux-musl/release/confab /confab
COPY target/image-data /data

# A stage chosen by a build argument has no tag to pin.
# hadolint ignore=DL3006
FROM files-from-${BINARY_FROM} AS files

FROM scratch
ARG CONFAB_VERSION=0.1.0
ARG CONFAB_GIT_REVISION=unknown
LABEL org.opencontainers.image.title="confab" \
      org.opencontainers.image.description="A self-hosted chat server in one file" \
      org.opencontainers.image.version="${CONFAB_VERSION}" \
      org.opencontainers.image.revision="${CONFAB_GIT_REVISION}" \
      org.opencontainers.image.licenses="MIT"
COPY --from=files /confab /usr/local/bin/confab
COPY --from=files --chown=65532:65532 --chmod=0700 /data /data
# Certificates, accounts and messages live on this volume; keep it across upgrades.
VOLUME /data
ENV CONFAB_DATA=/data
USER 65532:65532
EXPOSE 80 443
# SIGTERM: stop accepting, close sockets with "going away", flush messages, exit 0.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/confab", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/confab"]
CMD ["serve"]
