from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Health, metrics and logging of a deployment; no models."""

    name = "ops"

    def ready(self):
        # Celery's signals: task latency and the worker host's metrics server.
        from ops import celery_signals  # noqa: F401
