#!/usr/bin/env bash
# CRM webhook ingest throughput: gunicorn on a throwaway PostgreSQL, signed
# batches and single events. See docs/benchmarks.md.
# Usage: bash benchmarks/crm_webhook.sh [--workers 2] [--seconds 20] [--batch 100]
#        [--compare OTHER_CHECKOUT --rounds 4]
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
.venv/bin/python benchmarks/crm_webhook.py "$@"
