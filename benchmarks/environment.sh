# Sourced by the benchmark scripts: installs, starts a throwaway PostgreSQL
# and Redis (scripts/test_services.sh), and with "production" runs under the
# production settings with bench-only secrets (never use these elsewhere).
# Usage (from the repository root): source benchmarks/environment.sh [production]
scripts/bootstrap.sh requirements-dev.txt
scripts/system_packages.sh
source scripts/test_services.sh
if [ "${1:-}" = production ]; then
  export DJANGO_SETTINGS_MODULE=config.settings.production
  export DJANGO_SECRET_KEY="bench-only-secret-key-not-for-production-use"
  export FIELD_ENCRYPTION_KEY="YmVuY2gtb25seS1maWVsZC1rZXktMzItYnl0ZXMhISE="
  export JWT_SIGNING_KEY="bench-only-jwt-signing-key-not-for-production-use"
  export DJANGO_ALLOWED_HOSTS=127.0.0.1
  export DJANGO_SECURE_SSL_REDIRECT=false
  export DJANGO_LOG_LEVEL=WARNING
else
  export DJANGO_SETTINGS_MODULE=config.settings.test
fi
