#!/usr/bin/env bash
# CRM webhook ingest throughput: gunicorn on a throwaway PostgreSQL, signed
# batches and single events. See docs/benchmarks.md.
# Usage: bash benchmarks/crm_webhook.sh [--workers 2] [--seconds 20] [--batch 100]
#        [--compare OTHER_CHECKOUT --rounds 4]
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/environment.sh production
.venv/bin/python benchmarks/crm_webhook.py "$@"
