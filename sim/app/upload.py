"""Reading an uploaded scenario within bounds: the size is checked before anything is
decoded, and the bounded YAML reader refuses alias bombs, deep nesting and huge numbers, so
no upload can freeze the server."""

from __future__ import annotations

import base64

from sim.config import ConfigError, Scenario
from sim.config.loading import parse_yaml, validate_mapping

UPLOAD_BYTES = 200_000  # a scenario is a few kilobytes


def read_upload(contents: str, filename: str) -> Scenario:
    """The scenario in an upload (the page's base64 data URL), or a ConfigError naming the
    file."""
    _, _, encoded = contents.partition(",")
    if len(encoded) * 3 // 4 > UPLOAD_BYTES:
        raise ConfigError(filename, [f"larger than {UPLOAD_BYTES:,} bytes; a scenario is smaller"])
    try:
        raw = base64.b64decode(encoded, validate=True)
    except ValueError as error:
        raise ConfigError(filename, ["the upload arrived damaged; try again"]) from error
    return validate_mapping(Scenario, parse_yaml(raw, filename), filename)
