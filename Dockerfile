# Một Cửa as a container image: a multi-stage build (the Rust toolchain never reaches the
# image), a non-root user, a health check on /healthz. Build and run (README, "Container"):
#
#   docker build -t motcua .
#   docker run -p 8080:8080 -v motcua-data:/var/lib/motcua motcua serve --demo
#
# Dependencies are compiled in their own layer from the manifests alone, so a change to the
# sources rebuilds only the workspace's crates; BuildKit cache mounts keep the registry and
# the target directory between builds on the same builder (CI's cached dependency layer).

FROM rust:1.95-bookworm AS build
WORKDIR /src
# The manifests first: the dependency layer is reused until one of them changes.
COPY Cargo.toml Cargo.lock ./
COPY crates crates
COPY data data
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p motcua \
    && install -D target/release/motcua /out/motcua

FROM debian:bookworm-slim AS runtime
# ca-certificates: TLS to gateways, the national portal, SMTP relays; curl: the health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/motcua --create-home motcua
COPY --from=build /out/motcua /usr/local/bin/motcua
USER motcua
WORKDIR /var/lib/motcua
ENV MOTCUA_SERVER__LISTEN=0.0.0.0:8080 \
    MOTCUA_DATABASE__DATA_DIR=/var/lib/motcua \
    MOTCUA_LOG__FORMAT=json
VOLUME ["/var/lib/motcua"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/motcua"]
CMD ["serve"]
