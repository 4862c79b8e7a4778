#!/usr/bin/env bash
# Outcome KPI reads from rollups vs the raw stage history, on a throwaway
# PostgreSQL: see docs/benchmarks.md ("Outcome KPI reads").
# Usage: bash benchmarks/outcome_bench.sh [--deals 1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/environment.sh
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python benchmarks/outcome_kpis.py "$@"
