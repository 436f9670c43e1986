#!/usr/bin/env bash
# The main job, as far as it goes today: a P4 target (p4sim by default,
# TARGET=bmv2 for simple_switch) on veth pairs in a private namespace, fed
# with real frames. Needs root for the namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 -m bmv2.demo --target "${TARGET:-p4sim}" "$@"
