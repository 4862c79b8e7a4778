#!/usr/bin/env bash
# Roster import speed on a throwaway PostgreSQL: see docs/benchmarks.md.
# Usage: bash benchmarks/roster_import.sh [--people 10000] [--teams 50]
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/environment.sh
.venv/bin/python benchmarks/roster_import.py "$@"
