#!/usr/bin/env bash
# p4runtime-shell pins protobuf < 3.21 (pure Python on 3.11, ~250x slower to
# parse large writes), so it never enters the project's own environment: it
# gets a virtual environment of its own, used by `gwctl shell` and by the
# compatibility test that drives p4sim with it. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${P4RTSH_VENV:-.venv-p4rtsh}"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import p4runtime_sh.shell" 2>/dev/null; then
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "p4runtime-shell==0.0.6"
"$venv/bin/python" -c "import p4runtime_sh.shell"
