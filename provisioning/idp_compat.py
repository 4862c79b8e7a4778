"""scim2-server's ScimService, tuned to what Okta and Entra ID send.

scim2-models validates strictly; the identity providers do not all write
strict RFC 7644. Before validation a body is normalized, so both are served:

- Entra's schemas list names the enterprise extension, which this service
  does not serve: the URN and its attribute block are dropped (ignored, as any
  attribute this service does not store), and so are PATCH operations on it.
- Entra removes a group member with ``{"op": "Remove", "path": "members",
  "value": [{"value": id}]}``; RFC 7644 §3.5.2.2 writes that
  ``members[value eq "id"]``, which it is turned into.

Capitalized ops ("Replace"), no-path value objects and "True"/"False"
strings for booleans are already accepted by scim2-models.
PATCH answers 200 with the resource (both IdPs read it), not 204.
"""

import json
from typing import Any

from scim2_models import Context, Resource, ResponseParameters
from scim2_server.responses import ScimResponse
from scim2_server.service import ScimService

EXTENSION_PREFIX = "urn:ietf:params:scim:schemas:extension:"


def _quote(value: Any) -> str:
    return json.dumps(str(value))


def _operations(operations: list) -> list:
    kept = []
    for operation in operations:
        if not isinstance(operation, dict):
            kept.append(operation)
            continue
        path = operation.get("path")
        if isinstance(path, str) and path.startswith(EXTENSION_PREFIX):
            continue
        value = operation.get("value")
        is_remove = str(operation.get("op", "")).lower() == "remove"
        if (
            is_remove
            and isinstance(path, str)
            and path.lower() == "members"
            and isinstance(value, list)
        ):
            kept += [
                {"op": "remove", "path": f"members[value eq {_quote(m['value'])}]"}
                for m in value
                if isinstance(m, dict) and "value" in m
            ]
            continue
        if isinstance(value, dict):
            operation = {**operation, "value": _without_extensions(value)}
        kept.append(operation)
    return kept


def _without_extensions(document: dict) -> dict:
    return {
        key: value
        for key, value in document.items()
        if not (isinstance(key, str) and key.startswith(EXTENSION_PREFIX))
    }


def normalize(document: Any) -> Any:
    """The body as strict SCIM would have written it (see the module docstring)."""
    if not isinstance(document, dict):
        return document
    document = _without_extensions(document)
    schemas = document.get("schemas")
    if isinstance(schemas, list):
        document["schemas"] = [
            s for s in schemas if not str(s).startswith(EXTENSION_PREFIX)
        ]
    if isinstance(document.get("Operations"), list):
        document["Operations"] = _operations(document["Operations"])
    return document


class IdentityProviderService(ScimService):
    def read_body(self, model, body: bytes, content_type, scim_ctx: Context):
        try:
            document = json.loads(body)
        except ValueError:
            return super().read_body(model, body, content_type, scim_ctx)
        body = json.dumps(normalize(document)).encode()
        return super().read_body(model, body, content_type, scim_ctx)

    def patch_response(
        self,
        base_url: str,
        resource: Resource,
        response_parameters: ResponseParameters,
    ) -> ScimResponse:
        published = self.publish(base_url, resource)
        return self.resource_response(
            published, Context.RESOURCE_REPLACEMENT_RESPONSE, response_parameters
        )
