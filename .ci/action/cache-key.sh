#!/usr/bin/env bash
# Cache key of the modelgate build: the runner's OS and architecture and a digest of the action's
# own sources, so a cached binary is reused exactly when the source it was built from is the same.
set -euo pipefail
cd "$GITHUB_ACTION_PATH"
digest=$(find Cargo.toml Cargo.lock src rules docs/checks docs/modelgate.default.toml -type f -print0 \
  | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-32)
echo "key=modelgate-${RUNNER_OS:-unknown}-${RUNNER_ARCH:-unknown}-$digest" >> "$GITHUB_OUTPUT"
