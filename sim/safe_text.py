"""Text a user wrote, made safe to show on a terminal or in a story line.

Scenario names, descriptions, vendor labels and file names come from files anyone may write.
Shown raw, `[/bold]` breaks Rich's markup, `[link=...]` becomes a link, an escape sequence
drives the terminal, a right-to-left mark reorders what follows, and a newline forges a line
of the story. `safe_text` removes every control and format character (keeping printable text
in any script), replaces what is not valid Unicode, and escapes Rich markup when asked.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from rich.markup import escape

_SPACES = {"\n": " ", "\r": " ", "\t": " ", "\v": " ", "\f": " ", "\u2028": " ", "\u2029": " "}


def _shown(character: str) -> str:
    if character in _SPACES:
        return _SPACES[character]
    # Cc: C0/C1 controls, DEL, NUL; Cf: bidi marks and overrides, zero-width joiners and
    # other invisible format characters; Cs: lone surrogates; Co/Cn: private and unassigned.
    category = unicodedata.category(character)
    if category in ("Cc", "Cf"):
        return ""
    if category == "Cs":
        return "\ufffd"
    return character


def safe_text(value: Any, markup: bool = True, limit: int | None = None) -> str:
    """`value` as one line of plain text: no control, format or bidi characters, no invalid
    Unicode, at most `limit` characters; with `markup`, also escaped for Rich's console."""
    text = str(value)
    if not text.isprintable():
        text = "".join(_shown(c) for c in text)
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 3, 0)] + "..."
    return escape(text) if markup else text
