import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("reinforcement")
# Every Celery option is a CELERY_* Django setting.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
