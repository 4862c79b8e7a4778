#!/usr/bin/env bash
# The test command: install what the tests need, start real PostgreSQL and
# Redis servers (unless DATABASE_URL/REDIS_URL point at some), run the suite.
# Extra arguments go to pytest, e.g. scripts/test.sh -k answers
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh requirements-dev.txt
scripts/system_packages.sh
source scripts/test_services.sh
export DJANGO_SETTINGS_MODULE=config.settings.test
mkdir -p test-artifacts
.venv/bin/python -m pytest "$@"
