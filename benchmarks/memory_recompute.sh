#!/usr/bin/env bash
# Recompute every memory state of a large organization after an adopted refit,
# on a throwaway PostgreSQL: see docs/benchmarks.md ("Refit").
# Usage: bash benchmarks/memory_recompute.sh [--answers 2000000] [--reps 2000]
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/environment.sh
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python benchmarks/kpi_generate.py "$@"
.venv/bin/python benchmarks/memory_recompute.py
