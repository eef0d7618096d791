# syntax=docker/dockerfile:1
# modelgate in a small image for GitLab CI, Jenkins and Kubernetes jobs: a static (musl) binary
# on Alpine, with git (for --diff-base) and CA certificates (for `rules update`), run as a
# non-root user.
#   docker build -t modelgate .
#   docker run --rm -v "$PWD:/src:ro" modelgate scan --format sarif --output - .

FROM rust:1.95-alpine AS build
# A C toolchain for aws-lc-sys (rustls' crypto provider).
RUN apk add --no-cache build-base cmake
WORKDIR /build
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY rules ./rules
COPY docs/checks ./docs/checks
COPY docs/modelgate.default.toml ./docs/modelgate.default.toml
# Alpine's Rust targets musl and links statically by default.
RUN cargo build --release --locked \
 && strip target/release/modelgate \
 && ! ldd target/release/modelgate 2>/dev/null | grep -q '=>' \
 && target/release/modelgate --version

FROM alpine:3.22
RUN apk add --no-cache git ca-certificates \
 && adduser -D -u 10001 modelgate \
 && git config --system --add safe.directory '*'
COPY --from=build /build/target/release/modelgate /usr/local/bin/modelgate
USER 10001:10001
WORKDIR /src
ENTRYPOINT ["modelgate"]
CMD ["scan", "."]
