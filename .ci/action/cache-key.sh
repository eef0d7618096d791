#!/usr/bin/env bash
# Decides where the modelgate binary comes from, and the cache key of a build from source.
#
# release-tag: the GitHub Release whose binaries match this action, or empty when none does.
#   - the `version` input (MG_VERSION), when set: that release (for actions pinned by commit SHA);
#   - the action's ref (MG_ACTION_REF, from github.action_ref) when it is a release tag (v1.2.3) or
#     a moving tag of one (v1, v1.2) and the action's Cargo.toml has that version: v<version>;
#   - otherwise (a branch, a commit SHA, a local `uses: ./`): empty, and modelgate is built from
#     the action's own source with `cargo install --locked`.
# key: the runner's OS and architecture and a digest of the action's own sources, so a binary built
#   from source is reused exactly when the source it was built from is the same.
set -euo pipefail
cd "$GITHUB_ACTION_PATH"
# sha256sum (Linux, Windows' Git Bash) or shasum (macOS).
if command -v sha256sum >/dev/null 2>&1; then sha=(sha256sum); else sha=(shasum -a 256); fi
digest=$(find Cargo.toml Cargo.lock src rules docs/checks docs/modelgate.default.toml -type f -print0 \
  | LC_ALL=C sort -z | xargs -0 "${sha[@]}" | "${sha[@]}" | cut -c1-32)

version=$(sed -n 's/^version = "\([^"]*\)"$/\1/p' Cargo.toml | head -n 1)
ref="${MG_ACTION_REF:-}"
tag=""
if [ -n "${MG_VERSION:-}" ]; then
  if ! [[ "${MG_VERSION#v}" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
    echo "::error title=modelgate::version must be a release such as 1.2.3, not '$MG_VERSION'"
    exit 1
  fi
  tag="v${MG_VERSION#v}"
elif [[ "$ref" =~ ^v?[0-9]+(\.[0-9]+){0,2}(-[0-9A-Za-z.-]+)?$ ]]; then
  r="${ref#v}"
  if [ "$r" = "$version" ] || [[ "$version" == "$r".* ]]; then
    tag="v$version"
  fi
fi

{
  echo "key=modelgate-${RUNNER_OS:-unknown}-${RUNNER_ARCH:-unknown}-$digest"
  echo "release-tag=$tag"
} >> "$GITHUB_OUTPUT"
if [ -n "$tag" ]; then
  echo "modelgate: using the release $tag"
else
  echo "modelgate: no release matches the action's ref '${ref:-(local)}'; building from source"
fi
