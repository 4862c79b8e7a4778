# The one image of web, worker and beat (compose.yaml); the command picks the role.
# Build: docker build -t reinforcement .

FROM python:3.11.7-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements.txt /tmp/requirements.txt
RUN python -m venv /venv && /venv/bin/pip install -r /tmp/requirements.txt

FROM python:3.11.7-slim-bookworm
ENV PATH=/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
# A system user without a login shell; it owns nothing in /app, so the code
# cannot be changed by the running service.
RUN groupadd --system --gid 10001 app \
    && useradd --system --no-log-init --no-create-home --uid 10001 --gid app \
        --shell /usr/sbin/nologin app
COPY --from=build /venv /venv
WORKDIR /app
COPY . .
# collectstatic needs settings, not services: placeholder values, used only here.
RUN DJANGO_SECRET_KEY=collectstatic-only JWT_SIGNING_KEY=collectstatic-only \
    DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/unused.sqlite3 REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput --verbosity 0
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "scripts/healthcheck.py", "http://127.0.0.1:8000/health/live"]
CMD ["gunicorn", "-c", "python:config.gunicorn", "ops.wsgi:application"]
