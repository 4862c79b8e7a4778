#!/usr/bin/env bash
# Refresher latency: signed stage changes through gunicorn to a real Celery
# worker, on a throwaway PostgreSQL and Redis. See docs/benchmarks.md.
# Usage: bash benchmarks/refresher_latency.sh [--events 2000] [--batch 100] [--rate 0]
#        [--history-deals 400000]
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/environment.sh production
.venv/bin/python benchmarks/refresher_latency.py "$@"
