#!/bin/sh
# Fetch the pinned snapshots listed in repos.toml into SNAPSHOTS_DIR (one folder per repository).
#   benches/accuracy/fetch.sh SNAPSHOTS_DIR
# Each repository is fetched at its pinned commit only (shallow), then checked out.
# Git LFS objects are not needed: modelgate reads LFS pointer files as they are.
set -eu
dest=${1:?usage: fetch.sh SNAPSHOTS_DIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dest"
awk -F' = ' '
  /^\[\[repo\]\]/ { if (name) print name, url, commit; name = url = commit = "" }
  $1 == "name"   { gsub(/"/, "", $2); name = $2 }
  $1 == "url"    { gsub(/"/, "", $2); url = $2 }
  $1 == "commit" { gsub(/"/, "", $2); commit = $2 }
  END { if (name) print name, url, commit }
' "$here/repos.toml" | while read -r name url commit; do
  if [ -d "$dest/$name/.git" ] && [ "$(git -C "$dest/$name" rev-parse HEAD)" = "$commit" ]; then
    echo "$name: already at $commit"; continue
  fi
  echo "$name: $url @ $commit"
  git init -q "$dest/$name"
  GIT_LFS_SKIP_SMUDGE=1 git -C "$dest/$name" fetch -q --depth 1 "$url" "$commit"
  GIT_LFS_SKIP_SMUDGE=1 git -C "$dest/$name" checkout -q FETCH_HEAD
done
