"""The OpenAPI schema's settings (drf-spectacular), imported by base.py."""

# https://drf-spectacular.readthedocs.io/en/latest/settings.html
SPECTACULAR_SETTINGS = {
    "TITLE": "Sales reinforcement API",
    "DESCRIPTION": (
        "The rep API for web and mobile clients: today's prompts, answering, "
        "progress and the just-in-time refresher. Every error has the shape "
        '`{"error": {"code": ..., "message": ..., "fields": {...}}}`, where '
        "`fields` maps a field's path (`choice_ids.0`, `non_field_errors`) to a "
        "list of messages."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The rep's delivery channels, in /me/'s channels and channels_offered.
    "ENUM_NAME_OVERRIDES": {"DeliveryChannelEnum": "reinforcement.api.me.CHANNELS"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # A POST's JSON body is never optional (generated clients rely on it).
        "reinforcement.api.schema.request_bodies_required",
        # Any operation can meet a database restart: 503 with Retry-After.
        "reinforcement.api.schema.service_unavailable_documented",
    ],
}
