#!/usr/bin/env bash
# Planning throughput on a throwaway PostgreSQL: see docs/benchmarks.md.
# Usage: bash benchmarks/planning_throughput.sh [--reps 20000] [--questions 150]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh requirements-dev.txt
scripts/system_packages.sh
source scripts/test_services.sh
export DJANGO_SETTINGS_MODULE=config.settings.test
.venv/bin/python benchmarks/planning_throughput.py "$@"
