#!/usr/bin/env bash
# KPI reads from rollups vs the Answer log, on a throwaway PostgreSQL: see
# docs/benchmarks.md ("KPI reads").
# Usage: bash benchmarks/kpi_bench.sh [--answers 10000000] [--reps 2000]
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/environment.sh
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python benchmarks/kpi_generate.py "$@"
.venv/bin/python benchmarks/kpi_reads.py
