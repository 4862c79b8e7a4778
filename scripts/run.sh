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

  Sales reinforcement is starting (web, Celery worker, Celery beat, Redis).
    Reps (today's questions): http://127.0.0.1:${WEB_PORT}/          e.g. rep01
    Manager dashboard:        http://127.0.0.1:${WEB_PORT}/manager/  e.g. manager.east
    Admin and authoring:      http://127.0.0.1:${WEB_PORT}/admin/    enablement
    API docs:                 http://127.0.0.1:${WEB_PORT}/api/v1/docs/
    Password for every demo login: reinforce-demo
  Ctrl-C stops everything.

MSG
exec .venv/bin/honcho start -f Procfile
