#!/usr/bin/env bash
# Applies fail-on after the SARIF upload, so alerts are uploaded even when the job fails.
set -euo pipefail
case "${MG_EXIT:-}" in
  0) echo "modelgate: nothing at or above fail-on" ;;
  1) echo "::error title=modelgate::findings at or above fail-on; see the annotations and the job summary"; exit 1 ;;
  *) echo "::error title=modelgate::modelgate did not complete (exit ${MG_EXIT:-unknown})"; exit 1 ;;
esac
