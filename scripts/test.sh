#!/usr/bin/env bash
# The test command: install what the tests need, start real PostgreSQL and
# Redis servers (unless DATABASE_URL/REDIS_URL point at some), run the suite.
# Extra arguments go to pytest, e.g. scripts/test.sh -k answers
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh requirements-dev.txt
echo "==> ruff"
# Two commands: under set -e a failure inside an && list would not stop the run.
.venv/bin/ruff check --quiet .
.venv/bin/ruff format --check --quiet .
scripts/system_packages.sh
source scripts/test_services.sh
export DJANGO_SETTINGS_MODULE=config.settings.test
mkdir -p test-artifacts
.venv/bin/python -m pytest "$@"
if [ $# -eq 0 ]; then
  # SQLite is the embedded default: a smoke run of the core services on it.
  echo "==> SQLite smoke run"
  DATABASE_URL="sqlite:///$services_dir/smoke.sqlite3" .venv/bin/python -m pytest -q \
    -m "not postgresql and not worker and not browser" -p no:cacheprovider \
    tests/enablement tests/reinforcement/services/test_planning.py \
    tests/reinforcement/services/test_answer_submit.py tests/reinforcement/services/test_delivery.py \
    tests/reinforcement/services/test_rollups.py \
    tests/reinforcement/services/test_recent_answers_refresh.py \
    tests/reinforcement/services/test_memory_recompute.py \
    tests/reinforcement/selectors/test_question_peer_distribution.py \
    tests/reinforcement/api/test_answer_submit_api.py tests/reinforcement/api/test_bad_input.py
fi
