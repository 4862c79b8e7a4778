"""Payload adapters: what a CRM sends, read into ``revenue.events`` (pure).

Each ``parse(body: bytes) -> ParsedBatch``; a body that is not the shape at
all raises ``PayloadInvalid``; an event that cannot be read is an
``EventError`` of the batch (the batch is then refused whole).
"""


class PayloadInvalid(ValueError):
    """The body is not this adapter's shape."""
