"""Web Push for the rep's installed app (docs/channels.md, "Web Push"), read by base.py.

VAPID keys identify this server to the browsers' push services. Generate a pair
with ``python manage.py web_push_keys``; unset, Web Push is off and the pages
offer no notifications.
"""

import environ

env = environ.Env()  # base.py has read .env into the environment

# The application server key pair: URL-safe base64 of the raw P-256 keys.
WEB_PUSH_VAPID_PUBLIC_KEY = env("WEB_PUSH_VAPID_PUBLIC_KEY", default="")
WEB_PUSH_VAPID_PRIVATE_KEY = env("WEB_PUSH_VAPID_PRIVATE_KEY", default="")
# Who the push services may contact about this server's pushes.
WEB_PUSH_CONTACT = env("WEB_PUSH_CONTACT", default="mailto:ops@example.com")
# Push service endpoints are https; these hosts may be plain http (a local
# push service in tests). Anything else is refused, so a subscription cannot
# make the server post to an internal address.
WEB_PUSH_INSECURE_HOSTS = env.list("WEB_PUSH_INSECURE_HOSTS", default=[])
# Names the service worker's cache of the app shell: a new value makes every
# installed app fetch the shell again (set it per release if you like).
SERVICE_WORKER_VERSION = env("SERVICE_WORKER_VERSION", default="1")
