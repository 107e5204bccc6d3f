"""Names and free text in a scenario: one line of printable text, or an error naming the field.

A scenario's name, description, role titles, stakeholder names, vendor labels and the names it
gives to vendors, roles and criteria reach terminals, HTML reports, story lines and folder
listings. Printing strips what is unsafe (`sim.safe_text`), but a name that silently loses
characters is no longer the name the user wrote: a NUL, an escape sequence, a newline or a
bidirectional override in a name is a mistake or an attack, so the file is refused instead.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field

MAX_NAME_CHARS = 200
"""Longest name, title or label (real ones are a few words)."""
MAX_DESCRIPTION_CHARS = 2000
"""Longest scenario description (a line or two)."""

_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Embeddings, overrides and isolates: they reorder what follows them on screen."""

_CONTROL_NAMES = {
    "\x00": "NUL",
    "\t": "TAB",
    "\n": "LINE FEED",
    "\r": "CARRIAGE RETURN",
    "\x1b": "ESCAPE",
    "\x7f": "DELETE",
}


def _named(character: str) -> str:
    name = unicodedata.name(character, "") or _CONTROL_NAMES.get(character, "a control character")
    return f"U+{ord(character):04X} ({name})"


def check_plain_text(value: str) -> str:
    """`value` if it is one line of printable text (no control character, no line or
    paragraph separator, no bidirectional override); otherwise a ValueError naming the first
    offending character and where it is."""
    for position, character in enumerate(value):
        category = unicodedata.category(character)
        if category in ("Cc", "Zl", "Zp") or character in _BIDI_CONTROLS:
            raise ValueError(
                f"contains {_named(character)} at character {position + 1}: names and text "
                "must be one line of printable characters (no control characters, NUL, "
                "newlines or direction overrides)"
            )
    return value


Name = Annotated[str, Field(max_length=MAX_NAME_CHARS), AfterValidator(check_plain_text)]
"""A name, title or label: printable, one line, at most MAX_NAME_CHARS characters."""

Description = Annotated[
    str, Field(max_length=MAX_DESCRIPTION_CHARS), AfterValidator(check_plain_text)
]
"""A scenario's one-line description."""
