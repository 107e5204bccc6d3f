"""The parameter tables in docs/researchers.md are generated from the code (tests/docs_tables.py)
and must match it: a new or changed field, default or declared range shows up there."""

from __future__ import annotations

import docs_tables

from sim.config.scenario import Scenario, SellerSpec


def test_the_documented_tables_match_the_code() -> None:
    text = docs_tables.DOCUMENT.read_text(encoding="utf-8")
    assert set(docs_tables.blocks(text)) == set(docs_tables.TABLES)
    assert docs_tables.generated(text) == text, (
        "a generated table in docs/researchers.md is stale: run "
        "`.venv/bin/python tests/docs_tables.py --update`"
    )


def test_the_schema_table_has_every_field_with_its_current_default() -> None:
    rows = {row[0]: row for row in docs_tables.schema_rows()}
    for name, field in SellerSpec.model_fields.items():
        row = rows[f"sellers.<vendor>.{name}"]
        assert row[1] == docs_tables._plain(field.default)
    assert rows["account.pain"][1] == docs_tables._plain(Scenario().account.pain)
    assert "behaviour.disclosure" in rows


def test_a_stale_table_is_detected() -> None:
    text = docs_tables.DOCUMENT.read_text(encoding="utf-8")
    stale = text.replace("| `account.pain` |", "| `account.pain_old` |", 1)
    assert stale != text
    assert docs_tables.generated(stale) != stale
