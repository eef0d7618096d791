#!/usr/bin/env bash
# Installs modelgate for the action into $RUNNER_TEMP/modelgate-bin/bin.
#
# 1. A binary already there (a cache hit of an earlier build from the same source) is used.
# 2. With a release tag (MG_RELEASE_TAG, from cache-key.sh), the release archive for the runner's
#    OS and architecture is downloaded from
#      ${MG_RELEASE_URL:-$GITHUB_SERVER_URL/$MG_ACTION_REPOSITORY/releases/download}/TAG/modelgate-TARGET.tar.gz
#    (.zip on Windows) with its .sha256 file, and the checksum must match: a mismatch fails the step.
#    MG_RELEASE_URL (the `release-url` input, or MODELGATE_RELEASE_URL in the job's environment) is
#    for mirrors of the release files.
# 3. When no release matches (a commit or branch ref, or no archive for this tag and platform),
#    modelgate is built from the action's own source: cargo install --locked.
set -euo pipefail

err() { echo "::error title=modelgate::$*"; exit 1; }

root="${RUNNER_TEMP:?}/modelgate-bin"
exe=""
if [ "${RUNNER_OS:-}" = "Windows" ]; then exe=".exe"; fi
bin="$root/bin/modelgate$exe"

target_triple() {
  case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
    Linux/X64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64) echo aarch64-unknown-linux-musl ;;
    macOS/X64) echo x86_64-apple-darwin ;;
    macOS/ARM64) echo aarch64-apple-darwin ;;
    Windows/X64) echo x86_64-pc-windows-msvc ;;
    *) echo "" ;;
  esac
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

# fetch URL FILE: prints the HTTP status (000 when no answer came).
fetch() {
  curl --silent --show-error --location --retry 3 --connect-timeout 20 --max-time 300 \
    --output "$2" --write-out '%{http_code}' "$1" || true
}

# Downloads and verifies the release archive; returns 1 when this release has no archive for this
# platform (so the caller builds from source); exits on any other failure.
download() {
  local tag="$1" triple ext base url work code want got found
  triple="$(target_triple)"
  if [ -z "$triple" ]; then
    echo "modelgate: no release binary for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}"
    return 1
  fi
  ext=".tar.gz"
  if [ "${RUNNER_OS:-}" = "Windows" ]; then ext=".zip"; fi
  base="${MG_RELEASE_URL:-${MODELGATE_RELEASE_URL:-}}"
  if [ -z "$base" ]; then
    [ -n "${MG_ACTION_REPOSITORY:-}" ] || { echo "modelgate: the action's repository is unknown"; return 1; }
    base="${GITHUB_SERVER_URL:-https://github.com}/$MG_ACTION_REPOSITORY/releases/download"
  fi
  url="${base%/}/$tag/modelgate-$triple$ext"
  work="$(mktemp -d "$RUNNER_TEMP/modelgate-download.XXXXXX")"
  echo "modelgate: downloading $url"
  code="$(fetch "$url" "$work/archive$ext")"
  if [ "$code" = "404" ]; then
    echo "modelgate: the release $tag has no modelgate-$triple$ext"
    rm -rf "$work"
    return 1
  fi
  [ "$code" = "200" ] || err "downloading $url failed (HTTP $code)"
  code="$(fetch "$url.sha256" "$work/archive.sha256")"
  [ "$code" = "200" ] || err "downloading $url.sha256 failed (HTTP $code); the archive is not used unverified"
  want="$(head -c 64 "$work/archive.sha256" | tr 'A-F' 'a-f')"
  [[ "$want" =~ ^[0-9a-f]{64}$ ]] || err "$url.sha256 holds no sha256 digest"
  got="$(sha256_of "$work/archive$ext")"
  if [ "$got" != "$want" ]; then
    err "checksum mismatch for $url: expected $want, got $got; the archive is not used"
  fi
  echo "modelgate: sha256 $got verified"
  mkdir -p "$work/x"
  if [ "$ext" = ".zip" ]; then
    if command -v unzip >/dev/null 2>&1; then
      unzip -q "$work/archive$ext" -d "$work/x"
    else
      local zip="$work/archive$ext" dest="$work/x"
      if command -v cygpath >/dev/null 2>&1; then zip="$(cygpath -w "$zip")"; dest="$(cygpath -w "$dest")"; fi
      pwsh -NoProfile -Command "Expand-Archive -LiteralPath '$zip' -DestinationPath '$dest'"
    fi
  else
    tar -xzf "$work/archive$ext" -C "$work/x"
  fi
  found="$(find "$work/x" -type f -name "modelgate$exe" | head -n 1)"
  [ -n "$found" ] || err "modelgate$exe is not in $url"
  mkdir -p "$root/bin"
  cp "$found" "$bin"
  chmod 755 "$bin"
  rm -rf "$work"
}

if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
  echo "modelgate restored from cache: $("$bin" --version)"
elif [ -n "${MG_RELEASE_TAG:-}" ] && download "$MG_RELEASE_TAG"; then
  "$bin" --version >/dev/null 2>&1 || err "the downloaded modelgate does not run on this runner"
  echo "modelgate installed from the release $MG_RELEASE_TAG: $("$bin" --version)"
else
  if ! command -v cargo >/dev/null 2>&1; then
    err "no release binary matches this action's ref, and cargo is not installed to build one; pin the action to a release tag, set its version input, or add a Rust toolchain step"
  fi
  echo "modelgate: building from the action's source (cargo install --locked)"
  cargo install --locked --path "$GITHUB_ACTION_PATH" --root "$root"
fi
echo "bin=$bin" >> "$GITHUB_OUTPUT"
