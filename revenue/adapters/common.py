"""What the adapters share: reading JSON and collecting per-event errors."""

import json
from collections.abc import Callable, Iterable
from typing import Any

from revenue.adapters import PayloadInvalid
from revenue.events import Event, EventError, EventInvalid, ParsedBatch


def json_load(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise PayloadInvalid("The body is not UTF-8.") from None
    except RecursionError:
        raise PayloadInvalid("The JSON is nested too deeply.") from None
    except ValueError as error:
        raise PayloadInvalid(f"The body is not JSON: {error}.") from None


def collect(
    items: Iterable[Any], read: Callable[[Any], Event], id_of: Callable[[Any], str]
) -> ParsedBatch:
    """Read every item; an item that fails is an error naming its index and id."""
    batch = ParsedBatch()
    for index, item in enumerate(items):
        try:
            batch.events.append(read(item))
        except EventInvalid as error:
            batch.errors.append(EventError(index, _safe_id(id_of, item), str(error)))
    return batch


def _safe_id(id_of: Callable[[Any], str], item: Any) -> str:
    try:
        value = id_of(item)
    except (AttributeError, KeyError, TypeError, IndexError):
        return ""
    return str(value)[:200] if isinstance(value, str | int) else ""


def mapping(value: Any, field_name: str) -> dict:
    if not isinstance(value, dict):
        raise EventInvalid(field_name, "must be an object.")
    return value
