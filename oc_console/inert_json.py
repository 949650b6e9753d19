"""JSON that a terminal cannot act on.

orjson escapes only the C0 controls. DEL, the C1 controls (U+009B is an 8-bit CSI) and the bidi
overrides are valid raw in JSON strings, so backend text carrying them would reach whoever
`cat`s the document. They only occur inside strings, so writing them as \\u escapes keeps the
text exact for a JSON reader and inert for a person's terminal.
"""

from __future__ import annotations

import re

_JSON_UNSAFE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def inert(text: str) -> str:
    """JSON text (from orjson) with every character a terminal may act on \\u-escaped."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
