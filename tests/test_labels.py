"""Plain labels: every numeric scenario field has words, and a path's keys fill them."""

from __future__ import annotations

import pytest

from sim.config.labels import LABELS, display_number, numeric_parameters, plain_label


def test_every_numeric_scenario_field_has_a_label() -> None:
    missing = [p for p in numeric_parameters() if p not in LABELS]
    assert missing == []


def test_schema_walk_finds_the_fields_of_every_section() -> None:
    found = numeric_parameters()
    for expected in (
        "decision.max_uncertainty",
        "options.vendors.*.quality.*",
        "sellers.*.closing_pressure",
        "roles.*.weekly_hours",
        "territory.accounts",
        "committee.stakeholders.*.influence",
    ):
        assert expected in found


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("options.vendors.ours.quality.functional_fit", "our product's functional fit"),
        ("options.vendors.rival.price", "the rival product's price"),
        ("sellers.ours.capacity_hours", "our seller's hours a week"),
        ("roles.finance.weekly_hours", "the CFO's hours a week on the purchase"),
        ("committee.stakeholders[0].trust.references", "member 1's trust in reference customers"),
        ("information.sources.vendor_content.noise", "how noisy vendor content are"),
    ],
)
def test_keys_in_the_path_fill_the_words(path: str, words: str) -> None:
    assert plain_label(path) == words


def test_our_vendor_may_have_any_name() -> None:
    assert plain_label("sellers.acme.discount", our_vendor="acme") == "our seller's discount"
    assert plain_label("sellers.acme.discount") == "acme's seller's discount"


def test_no_label_is_a_raw_path() -> None:
    for pattern in numeric_parameters():
        words = plain_label(pattern.replace("*", "ours"))
        assert "." not in words and "_" not in words, (pattern, words)


def test_unknown_path_falls_back_to_its_field_name() -> None:
    assert plain_label("somewhere.new_setting") == "new setting"


@pytest.mark.parametrize(
    ("value", "shown"), [(0.0612, "0.061"), (0.571, "0.57"), (78, "78"), (0, "0"), (2.0, "2")]
)
def test_display_numbers_are_rounded(value: float, shown: str) -> None:
    assert display_number(value) == shown


def test_a_second_member_of_a_one_person_role_is_named_as_an_org_chart_would() -> None:
    from sim.config.roles import colleague_title

    assert colleague_title("finance", "the CFO", 2) == "a second finance lead"
    assert colleague_title("my_role", "the analyst", 3) == "a third analyst"


def test_no_committee_member_is_numbered() -> None:
    from sim.config import load_scenario
    from sim.model import simulate

    settings = load_scenario("large_committee")
    names = [s["name"] for s in simulate(settings, 1).stakeholders]
    assert len(set(names)) == len(names)
    assert not any(name.endswith(")") for name in names), names


def test_robustness_rows_speak_in_plain_labels() -> None:
    import pandas as pd

    from sim.report.robustness_report import flip_lines

    contrast = pd.DataFrame(
        [{"outcome": "won", "parameter": "decision.max_uncertainty", "base_value": 0.0612,
          "value": 0.0765, "base": 0.05, "difference": -0.02, "low": -0.04, "high": 0.0,
          "flip": True, "clear": False}]
    )  # fmt: skip
    (line,) = flip_lines(contrast)
    assert "uncertainty supporters may keep 0.061 -> 0.076" in line
    assert "decision.max_uncertainty" not in line
