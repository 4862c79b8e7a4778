#!/usr/bin/env bash
# Planning throughput on a throwaway PostgreSQL: see docs/benchmarks.md.
# Usage: bash benchmarks/planning_throughput.sh [--reps 20000] [--questions 150]
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/environment.sh
.venv/bin/python benchmarks/planning_throughput.py "$@"
