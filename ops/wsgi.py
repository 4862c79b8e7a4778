"""The production WSGI app: Django behind WhiteNoise for the collected static files.

gunicorn serves this (config/gunicorn.py); the static files (admin, API docs)
come from STATIC_ROOT with far-future caching, so no separate file server is
needed in front.
"""

from django.conf import settings
from whitenoise import WhiteNoise

from config.wsgi import application as django_application

application = WhiteNoise(
    django_application, root=settings.STATIC_ROOT, prefix=settings.STATIC_URL
)
