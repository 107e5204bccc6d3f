"""Bad input: every malformed scenario gives exit status 2 and a short message on stderr that
names the file and the field path, never a traceback (unless --debug)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sim.config import ConfigError, load_scenario


def case(text: str | None, *fragments: str) -> tuple[str | None, tuple[str, ...]]:
    """A file's text (None: the file does not exist) and what the message must contain."""
    return text, fragments


BAD_FILES: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "wrong_type": case("committee:\n  size: seven\n", "committee.size", "seven"),
    "size_zero": case("committee:\n  size: 0\n", "committee.size"),
    "size_too_large": case("committee:\n  size: 500\n", "committee.size"),
    "negative_horizon": case("horizon_weeks: -1\n", "horizon_weeks"),
    "float_horizon": case("horizon_weeks: 2.5\n", "horizon_weeks"),
    "unknown_top_level_field": case("name: x\ncolour: blue\n", "colour", "unknown field"),
    "unknown_nested_field": case("committee:\n  sise: 7\n", "committee.sise", "unknown field"),
    "unknown_role": case(
        "committee:\n  stakeholders:\n    - role: cfo\n",
        "committee.stakeholders[0].role",
        "cfo",
    ),
    "unknown_role_later_in_list": case(
        "committee:\n  stakeholders:\n    - role: finance\n    - role: champion\n"
        "    - role: chief_vibes_officer\n",
        "committee.stakeholders[2].role",
    ),
    "unknown_role_in_mix": case(
        "committee:\n  role_mix: {end_user: 1, janitor: 2}\n", "committee.role_mix.janitor"
    ),
    "empty_committee": case("committee:\n  stakeholders: []\n", "committee.stakeholders"),
    "yaml_syntax_error": case("name: [unclosed\nhorizon_weeks: 5\n", "YAML", "line 2"),
    "bad_indentation": case("committee:\n  size: 7\n sellers: {}\n", "YAML", "line"),
    "missing_file": case(None, "not found"),
    "empty_file": case("", "empty"),
    "only_a_comment": case("# nothing here\n", "empty"),
    "top_level_list": case("- name: baseline\n- name: other\n", "top level", "list"),
    "top_level_scalar": case("just a string\n", "top level"),
    "unknown_strategy": case(
        "sellers:\n  ours: {strategy: funnel_pusherr}\n", "sellers.ours.strategy", "funnel_pusherr"
    ),
    "seller_for_missing_vendor": case("sellers:\n  acme: {strategy: none}\n", "sellers.acme"),
    "zero_capacity": case(
        "sellers:\n  ours: {strategy: none, capacity_hours: 0}\n", "sellers.ours.capacity_hours"
    ),
    "negative_capacity": case(
        "sellers:\n  ours: {capacity_hours: -4}\n", "sellers.ours.capacity_hours"
    ),
    "unknown_criterion_in_role_priorities": case(
        "roles:\n  champion:\n    priorities: {speed: 1.0}\n",
        "roles.champion.priorities.speed",
    ),
    "unknown_criterion_in_member_priorities": case(
        "committee:\n  stakeholders:\n    - role: finance\n      priorities: {price: 1}\n",
        "committee.stakeholders[0].priorities.price",
    ),
    "unknown_criterion_in_vendor_quality": case(
        "options:\n  vendors:\n    ours: {quality: {uptime: 0.9}}\n",
        "options.vendors.ours.quality.uptime",
    ),
    "unknown_source_kind": case(
        "information:\n  sources:\n    blogs: {noise: 0.1}\n", "information.sources", "blogs"
    ),
    "our_vendor_missing": case("our_vendor: acme\n", "our_vendor", "acme"),
    "quality_out_of_range": case(
        "options:\n  vendors:\n    ours: {quality: {cost: 1.5}}\n",
        "options.vendors.ours.quality.cost",
    ),
    "new_role_without_priorities": case("roles:\n  cto: {title: the CTO}\n", "roles.cto"),
    "size_and_list_disagree": case(
        "committee:\n  size: 3\n  stakeholders:\n    - role: finance\n", "committee", "size"
    ),
    "duplicate_key": case("name: a\nname: b\n", "duplicate key 'name'", "line 2"),
    "nan_weight": case(
        "committee:\n  role_mix: {end_user: .nan}\n", "committee.role_mix.end_user", "finite"
    ),
    "infinite_influence": case(
        "roles:\n  champion: {influence: .inf}\n", "roles.champion.influence", "finite"
    ),
    "number_of_a_thousand_digits": case("horizon_weeks: " + "1" * 1000 + "\n", "line 1"),
    "alias_expansion": case(
        "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n"
        "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n",
        "aliases expand",
    ),
    "nested_too_deep": case("name: " + "[" * 40 + "]" * 40 + "\n", "nested"),
    "choice_noise_at_zero": case("behaviour: {choice_noise: 1.0e-300}\n", "behaviour.choice_noise"),
}


def write_case(tmp_path: Path, name: str) -> Path:
    text, _ = BAD_FILES[name]
    path = tmp_path / f"{name}.yaml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    return path


def assert_clean_error(code: int, err: str, path: Path, fragments: tuple[str, ...]) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    assert str(path) in err
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in {err!r}"
    lines = [line for line in err.splitlines() if line.strip()]
    assert 1 <= len(lines) <= 3, err


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_scenario_file_gives_a_clean_error(tmp_path, run_cli, name, command) -> None:
    path = write_case(tmp_path, name)
    result = run_cli(command, str(path))
    assert_clean_error(result.code, result.err, path, BAD_FILES[name][1])
    assert result.out == ""


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_load_scenario_raises_config_error_naming_the_file(tmp_path, name) -> None:
    path = write_case(tmp_path, name)
    with pytest.raises(ConfigError) as caught:
        load_scenario(path)
    assert caught.value.source == str(path)
    assert caught.value.problems
    assert str(path) in str(caught.value)


def test_a_folder_is_not_a_scenario(tmp_path, run_cli) -> None:
    folder = tmp_path / "scenario.yaml"
    folder.mkdir()
    result = run_cli("validate", str(folder))
    assert_clean_error(result.code, result.err, folder, ("folder",))


def test_several_problems_are_all_reported(tmp_path, run_cli) -> None:
    path = tmp_path / "many.yaml"
    path.write_text("horizon_weeks: 0\ncommittee:\n  size: seven\ncolour: red\n")
    result = run_cli("validate", str(path))
    assert result.code == 2
    assert "Traceback" not in result.err
    for fragment in ("3 problems", "horizon_weeks", "committee.size", "colour"):
        assert fragment in result.err


def test_validate_reports_good_and_bad_files(tmp_path, run_cli, scenario_files) -> None:
    bad = write_case(tmp_path, "unknown_role")
    good = scenario_files[0]
    result = run_cli("validate", str(good), str(bad))
    assert result.code == 2
    assert f"{good}: ok" in result.out
    assert str(bad) in result.err and str(good) not in result.err


def test_unknown_named_scenario(run_cli) -> None:
    result = run_cli("run", "no_such_scenario")
    assert result.code == 2
    assert "no_such_scenario" in result.err and "baseline" in result.err
    assert "Traceback" not in result.err


def test_debug_lets_the_exception_through(tmp_path, run_cli) -> None:
    path = write_case(tmp_path, "unknown_nested_field")
    with pytest.raises(ConfigError, match=r"committee\.sise"):
        run_cli("run", str(path), "--debug")


# ---- command-line usage errors --------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("run", "baseline", "--seed", "-1"),
        ("run", "baseline", "--seed", "abc"),
        ("run",),
        ("frobnicate",),
    ],
)
def test_command_line_usage_errors_exit_2_without_traceback(run_cli, args) -> None:
    result = run_cli(*args)
    assert result.code == 2, result.err
    assert "Traceback" not in result.err
    assert result.err.strip()


# ---- the installed console script ----------------------------------------------------------


def script(b2bsim: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(b2bsim), *args], capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("command", "name"), [("validate", "unknown_role"), ("run", "yaml_syntax_error")]
)
def test_console_script_gives_a_clean_error(tmp_path, b2bsim_script, command, name) -> None:
    path = write_case(tmp_path, name)
    done = script(b2bsim_script, command, str(path))
    assert_clean_error(done.returncode, done.stderr, path, BAD_FILES[name][1])
    assert done.stdout == ""


def test_console_script_debug_shows_the_traceback(tmp_path, b2bsim_script) -> None:
    path = write_case(tmp_path, "unknown_role")
    done = script(b2bsim_script, "run", str(path), "--debug")
    assert done.returncode != 0
    assert "Traceback" in done.stderr
    assert "committee.stakeholders[0].role" in done.stderr


def test_console_script_usage_error_exits_2_without_traceback(b2bsim_script) -> None:
    done = script(b2bsim_script, "run", "baseline", "--seed", "-1")
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
