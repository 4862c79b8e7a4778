"""The CRM webhook's settings (docs/revenue.md, "Webhook"), imported by base.py."""

import environ

env = environ.Env()

# A signed request older (or further in the future) than this is refused: a
# captured request cannot be replayed later, and five minutes absorbs clock
# drift and a CRM's queueing.
CRM_WEBHOOK_MAX_AGE_SECONDS = env.int("CRM_WEBHOOK_MAX_AGE_SECONDS", default=300)
# After "Rotate secret" the old secret keeps verifying this long, so the CRM
# can be switched over without dropping deliveries.
CRM_SECRET_OVERLAP_HOURS = env.int("CRM_SECRET_OVERLAP_HOURS", default=24)
# Each web process keeps the secrets it has read this long (saves a query and
# a decryption per request). A rotation or deletion made in another process
# reaches this one within it: far inside the overlap above.
CRM_SECRET_CACHE_SECONDS = env.int("CRM_SECRET_CACHE_SECONDS", default=30)
# Events in one request: a Salesforce outbound message carries up to 100,
# a HubSpot webhook batch up to 100; more is refused as too large.
CRM_WEBHOOK_MAX_EVENTS = env.int("CRM_WEBHOOK_MAX_EVENTS", default=1000)
