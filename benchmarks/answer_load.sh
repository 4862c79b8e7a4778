#!/usr/bin/env bash
# The answer endpoint under load, beside a trivial authenticated endpoint:
# gunicorn on a throwaway PostgreSQL, locust from a second process.
# See docs/benchmarks.md. Usage: bash benchmarks/answer_load.sh [--workers 2] [--seconds 30] [--only 12]
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/environment.sh production
.venv/bin/python benchmarks/answer_load.py "$@"
