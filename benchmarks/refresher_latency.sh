#!/usr/bin/env bash
# Refresher latency: signed stage changes through gunicorn to a real Celery
# worker, on a throwaway PostgreSQL and Redis. See docs/benchmarks.md.
# Usage: bash benchmarks/refresher_latency.sh [--events 2000] [--batch 100] [--rate 0]
#        [--history-deals 400000]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh requirements-dev.txt
scripts/system_packages.sh
source scripts/test_services.sh
export DJANGO_SETTINGS_MODULE=config.settings.production
export DJANGO_SECRET_KEY="bench-only-secret-key-not-for-production-use"
export FIELD_ENCRYPTION_KEY="YmVuY2gtb25seS1maWVsZC1rZXktMzItYnl0ZXMhISE="
export JWT_SIGNING_KEY="bench-only-jwt-signing-key-not-for-production-use"
export DJANGO_ALLOWED_HOSTS=127.0.0.1
export DJANGO_SECURE_SSL_REDIRECT=false
export DJANGO_LOG_LEVEL=WARNING
.venv/bin/python benchmarks/refresher_latency.py "$@"
