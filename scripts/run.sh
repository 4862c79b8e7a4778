#!/usr/bin/env bash
# The run command: install, migrate, load the demo organization, then start
# Redis (embedded), web, Celery worker and Celery beat under honcho. Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh requirements.txt
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.local}"
# Not PORT: honcho assigns PORT to each process itself.
export WEB_PORT="${WEB_PORT:-8000}"
mkdir -p .run
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py seed_demo
.venv/bin/python manage.py seed_demo_history
cat <<MSG

  Sales reinforcement is starting.
    Admin and authoring:  http://127.0.0.1:${WEB_PORT}/admin/
  Ctrl-C stops web, worker, beat and Redis.

MSG
exec .venv/bin/honcho start -f Procfile
