"""scim2-server's ScimService, tuned to what Okta and Entra ID send.

scim2-models validates strictly; the identity providers do not all write
strict RFC 7644. Before validation a body is normalized, so both are served:

- Entra's schemas list names the enterprise extension, which this service
  does not serve: the URN and its attribute block are dropped (ignored, as any
  attribute this service does not store), and so are PATCH operations on it.
- Both send PATCH operations on attributes RFC 7643 defines but this service
  does not store (Entra's default mappings: displayName, title, phoneNumbers,
  addresses, name.formatted, ...): those operations, and those keys of a
  no-path value object, are dropped, as a POST's unstored attributes are.
  A path RFC 7643 does not define at all is still refused (400 invalidPath).
- Entra removes a group member with ``{"op": "Remove", "path": "members",
  "value": [{"value": id}]}``; RFC 7644 §3.5.2.2 writes that
  ``members[value eq "id"]``, which it is turned into.

Capitalized ops ("Replace"), no-path value objects and "True"/"False"
strings for booleans are already accepted by scim2-models.
PATCH answers 200 with the resource (both IdPs read it), not 204.
"""

import json
import re
from functools import cache
from typing import Any

import scim2_models
from scim2_models import Context, PatchOp, Resource, ResponseParameters
from scim2_server.responses import ScimResponse
from scim2_server.service import ScimService

EXTENSION_PREFIX = "urn:ietf:params:scim:schemas:extension:"


CORE_PREFIX = re.compile(r"^urn:ietf:params:scim:schemas:core:2\.0:(user|group):", re.I)
PATH = re.compile(
    r"^(?P<attr>[A-Za-z][\w$-]*)(\[[^\]]*\])?(\.(?P<sub>[A-Za-z][\w$-]*))?$"
)


def _schema_names(model: type[Resource]) -> set[str]:
    names = set()
    for attribute in model.to_schema().attributes or []:
        names.add(attribute.name.lower())
        for sub in attribute.sub_attributes or []:
            names.add(f"{attribute.name}.{sub.name}".lower())
    return names


@cache
def unstored(model: type[Resource]) -> frozenset[str]:
    """The attributes RFC 7643 gives the resource that model does not declare."""
    rfc = getattr(scim2_models, model.__name__, None)
    if rfc is None:
        return frozenset()
    return frozenset(_schema_names(rfc) - _schema_names(model))


def _is_unstored(path: str, ignored: frozenset[str]) -> bool:
    match = PATH.match(CORE_PREFIX.sub("", path.strip()))
    if match is None:
        return False
    attr, sub = match["attr"].lower(), (match["sub"] or "").lower()
    return attr in ignored or f"{attr}.{sub}" in ignored


def _quote(value: Any) -> str:
    return json.dumps(str(value))


def _member_removals(value: list) -> list:
    """Entra's remove-by-value as RFC 7644 filtered removals."""
    return [
        {"op": "remove", "path": f"members[value eq {_quote(m['value'])}]"}
        for m in value
        if isinstance(m, dict) and "value" in m
    ]


def _rewritten(operation: Any, ignored: frozenset[str]) -> list:
    """The strict operations one operation stands for (none if it is dropped)."""
    if not isinstance(operation, dict):
        return [operation]  # left for validation to refuse
    path, value = operation.get("path"), operation.get("value")
    if isinstance(path, str):
        if path.startswith(EXTENSION_PREFIX) or _is_unstored(path, ignored):
            return []
        is_remove = str(operation.get("op", "")).lower() == "remove"
        if is_remove and path.lower() == "members" and isinstance(value, list):
            return _member_removals(value)
    elif path is None and isinstance(value, dict):
        value = {
            key: item
            for key, item in _without_extensions(value).items()
            if not _is_unstored(str(key), ignored)
        }
        return [{**operation, "value": value}] if value else []
    return [operation]


def _operations(operations: list, ignored: frozenset[str]) -> list:
    return [
        rewritten
        for operation in operations
        for rewritten in _rewritten(operation, ignored)
    ]


def _without_extensions(document: dict) -> dict:
    return {
        key: value
        for key, value in document.items()
        if not (isinstance(key, str) and key.startswith(EXTENSION_PREFIX))
    }


def normalize(document: Any, ignored: frozenset[str] = frozenset()) -> Any:
    """The body as strict SCIM would have written it (see the module docstring);
    ignored: the unstored attributes of the resource a PATCH is on."""
    if not isinstance(document, dict):
        return document
    document = _without_extensions(document)
    schemas = document.get("schemas")
    if isinstance(schemas, list):
        document["schemas"] = [
            s for s in schemas if not str(s).startswith(EXTENSION_PREFIX)
        ]
    if isinstance(document.get("Operations"), list):
        document["Operations"] = _operations(document["Operations"], ignored)
    return document


class IdentityProviderService(ScimService):
    def read_body(self, model, body: bytes, content_type, scim_ctx: Context):
        try:
            document = json.loads(body)
        except ValueError:
            return super().read_body(model, body, content_type, scim_ctx)
        ignored = frozenset()
        if issubclass(model, PatchOp):
            (resource,) = model.__pydantic_generic_metadata__["args"] or (None,)
            ignored = unstored(resource) if resource else frozenset()
        body = json.dumps(normalize(document, ignored)).encode()
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
