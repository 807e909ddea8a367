"""Checks of input the services share: amounts of money, and text that people will read."""

import re
from decimal import Decimal

from federation_kit.errors import BadUserInput

CENT = Decimal("0.01")
# Control characters (C0, DEL, C1), the line and paragraph separators (a line break where "\n" is
# refused), the invisible bidirectional embeddings, overrides and isolates that reorder text on
# screen (a product called "\u202egpj.exe" reads as "exe.jpg"), the interlinear annotation
# controls and the noncharacters U+FFFE/U+FFFF. Right-to-left scripts need none of them; the marks
# LRM and RLM, and the joiners and tags emoji are made of, stay allowed. NUL and lone surrogates
# are refused for every string already (federation_kit.errors.RefuseUnstorableText).
_NOT_FOR_READERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufff9-\ufffb\ufffe\uffff]")


def check_amount(value: Decimal, field: str, name: str, maximum: Decimal | None = None) -> None:
    """BAD_USER_INPUT on ``field`` (``name`` in the message) unless ``value`` is more than 0, at
    most ``maximum``, in whole cents."""
    if not value.is_finite() or value <= 0 or (maximum is not None and value > maximum):
        bound = f" and at most {maximum}" if maximum is not None else ""
        raise BadUserInput(f"{name} must be more than 0{bound}", field)
    if value != value.quantize(CENT):
        raise BadUserInput(f"{name} has at most 2 decimal places", field)


def check_readable(value: str, field: str, name: str) -> None:
    """BAD_USER_INPUT on ``field`` if ``value`` has control characters or direction overrides."""
    if _NOT_FOR_READERS.search(value):
        raise BadUserInput(f"{name} must not contain control characters or direction overrides", field)
