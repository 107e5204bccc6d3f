"""Hostile and careless input over every CLI entry point: each is refused with exit status 2
and one message naming the file and the field, quickly, in bounded memory, with nothing
written outside the intended output. Inputs are generated here (no large files in the
repository)."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from experiment_support import write_experiment
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config.loading import MAX_INPUT_BYTES, ConfigError, parse_yaml
from sim.safe_text import safe_text

SECONDS = 8.0
"""Each refusal must come well within this (the issue's bound is 10 s)."""
MEGABYTES = 150
"""Python memory a refusal may allocate at its peak."""


def snapshot(folder: Path) -> dict[str, str]:
    """Content hash of every file under `folder` (the lock file's text names its last
    holder and is not content)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A working folder (the command's default outputs land here) that must not change
    unless a test says what may."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    yield folder


@pytest.fixture
def refused(run_cli: Callable[..., Any], workspace: Path) -> Callable[..., str]:
    """Run the CLI, assert a clean refusal, and return its message."""

    def check(*args: str, naming: tuple[str, ...] = (), changed: Path | None = None) -> str:
        before = snapshot(workspace.parent)
        tracemalloc.start()
        started = time.perf_counter()
        try:
            result = run_cli(*args)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        seconds = time.perf_counter() - started
        message = result.err
        assert result.code == 2, f"exit {result.code}: {result.err}{result.out}"
        assert "Traceback" not in message and "internal error" not in message, message
        assert message.startswith("error: ") or "error: " in message, message
        for fragment in naming:
            assert fragment in message, f"{fragment!r} not in {message!r}"
        assert seconds < SECONDS, f"took {seconds:.1f} s"
        assert peak < MEGABYTES * 2**20, f"peak {peak / 2**20:.0f} MB"
        assert len(message) < 2_000, f"message of {len(message)} characters"
        after = snapshot(workspace.parent)
        if changed is None:
            assert after == before, "files changed: " + ", ".join(
                sorted(set(after.items()) ^ set(before.items()))[:5].__repr__()
            )
        return message

    return check


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """The 'billion laughs': `width` ** `levels` strings from a few hundred bytes."""
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]")
    return "\n".join(lines)


# ---- scenario files --------------------------------------------------------------------


SCENARIOS: dict[str, tuple[str | bytes, tuple[str, ...]]] = {
    "alias_bomb_description": (
        alias_bomb() + "\nname: x\ndescription: *l8\n",
        ("aliases expand",),
    ),
    "alias_bomb_list_field": (
        alias_bomb() + "\nname: x\ncommittee:\n  stakeholders: *l8\n",
        ("aliases expand",),
    ),
    "self_referring_alias": ("name: &a [1, *a]\n", ("alias",)),
    "deep_nesting_flow": ("name: x\ndescription: " + "[" * 5000 + "]" * 5000 + "\n", ("nest",)),
    "deep_nesting_block": (
        "name: x\nbase:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 200)) + "\n",
        ("nested",),
    ),
    "duplicate_key": ("name: a\nhorizon_weeks: 10\nhorizon_weeks: 20\n", ("duplicate", "line 3")),
    "huge_integer": ("name: x\nhorizon_weeks: " + "9" * 5000 + "\n", ("line 2", "number")),
    "nan_in_role_mix": (
        "name: x\ncommittee:\n  role_mix: {end_user: .nan, finance: 1}\n",
        ("committee.role_mix.end_user", "finite"),
    ),
    "inf_priority": (
        "name: x\nroles:\n  champion:\n    priorities: {functional_fit: .inf}\n",
        ("roles.champion.priorities.functional_fit", "finite"),
    ),
    "inf_influence": (
        "name: x\nroles:\n  champion:\n    influence: .inf\n",
        ("roles.champion.influence",),
    ),
    "choice_noise_tiny": (
        "name: x\nbehaviour:\n  choice_noise: 1.0e-300\n",
        ("behaviour.choice_noise",),
    ),
    "prior_sd_tiny": ("name: x\nbehaviour:\n  prior_sd: 1.0e-300\n", ("behaviour.prior_sd",)),
    "not_utf8": (b"name: \xff\xfe caf\xe9\n", ("UTF-8",)),
    "lone_surrogate_escape": ('name: "\\ud800"\n', ("line 1",)),
    "too_large": ("name: x\ndescription: " + "a" * (MAX_INPUT_BYTES + 10) + "\n", ("larger",)),
    "top_level_list": ("- 1\n- 2\n", ("top level",)),
}


@pytest.mark.parametrize("case", sorted(SCENARIOS))
def test_hostile_scenario_file_is_refused(
    case: str, refused: Callable[..., str], tmp_path: Path
) -> None:
    text, fragments = SCENARIOS[case]
    path = write(tmp_path, f"{case}.yaml", text)
    for command in (["validate"], ["run"]):
        message = refused(*command, str(path), naming=(str(path), *fragments))
        assert message.count("\n") < 10


@pytest.mark.parametrize("kind", ["fifo", "dev_zero", "folder", "missing"])
def test_special_files_are_refused_without_reading(
    kind: str, refused: Callable[..., str], tmp_path: Path
) -> None:
    path = tmp_path / "special.yaml"
    if kind == "fifo":
        os.mkfifo(path)  # nobody writes: reading would wait forever
    elif kind == "dev_zero":
        path = Path("/dev/zero")
    elif kind == "folder":
        path.mkdir()
    refused("validate", str(path), naming=(str(path),))


def test_validate_reports_every_file(run_cli: Callable[..., Any], tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    bomb = write(tmp_path, "bomb.yaml", alias_bomb() + "\nname: x\ndescription: *l8\n")
    good = write(tmp_path, "good.yaml", "name: fine\n")
    typo = write(tmp_path, "typo.yaml", "name: x\ncomittee: {}\n")
    result = run_cli("validate", str(fifo), str(bomb), str(good), str(typo))
    assert result.code == 2
    assert f"{good}: ok" in result.out
    for path in (fifo, bomb, typo):
        assert str(path) in result.err


# ---- experiment files ------------------------------------------------------------------


EXPERIMENTS: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "name_escapes_upwards": ({"name": "../../escaped"}, ("name",)),
    "absolute_name": ({"name": "/tmp/b2bsim-absolute"}, ("name",)),
    "empty_name": ({"name": ""}, ("name",)),
    "dot_name": ({"name": "."}, ("name",)),
    "long_name": ({"name": "n" * 300}, ("name",)),
    "seed_too_large": ({"seed": 2**63}, ("seed",)),
    "sampler_seed_too_large": ({"design": {"seed": 2**64}}, ("design.seed",)),
    "billion_point_grid": (
        {"parameters": {f"committee.p{i}": {"values": list(range(10))} for i in range(9)}},
        ("design points",),
    ),
    "huge_integer_range": (
        {"parameters": {"committee.size": {"low": 1, "high": 1e12, "integer": True}}},
        ("design points",),
    ),
    "million_sample_sobol": (
        {
            "parameters": {"behaviour.choice_noise": {"low": 0.1, "high": 1}},
            "design": {"kind": "sobol", "samples": 1_000_000},
        },
        ("design points",),
    ),
    "too_many_runs": (
        {
            "parameters": {"behaviour.choice_noise": {"low": 0.1, "high": 1}},
            "design": {"kind": "lhs", "samples": 1000},
            "replications": 100_000,
        },
        ("replications", "runs"),
    ),
    "nan_range": (
        {"parameters": {"behaviour.choice_noise": {"low": float("nan"), "high": 1}}},
        ("parameters.behaviour.choice_noise.low",),
    ),
}


@pytest.mark.parametrize("case", sorted(EXPERIMENTS))
def test_hostile_experiment_is_refused_before_anything_is_written(
    case: str, refused: Callable[..., str], tmp_path: Path
) -> None:
    fields, fragments = EXPERIMENTS[case]
    path = write_experiment(tmp_path / "experiments", name="hostile")
    data = yaml.safe_load(path.read_text())
    data.update(fields)
    path.write_text(yaml.safe_dump(data))
    refused("sweep", str(path), naming=(str(path), *fragments))
    assert not (tmp_path / "escaped").exists()
    assert not Path("/tmp/b2bsim-absolute").exists()


def test_compare_replications_beyond_the_limit(refused: Callable[..., str]) -> None:
    refused("compare", "baseline", "--replications", str(10**12), naming=("--replications",))


def test_seed_beyond_64_bits(refused: Callable[..., str]) -> None:
    refused("run", "baseline", "--seed", str(2**64), naming=("--seed",))


# ---- output paths ----------------------------------------------------------------------


def output_paths(tmp_path: Path) -> dict[str, Path]:
    a_file = tmp_path / "plain.txt"
    a_file.write_text("not a folder")
    folder = tmp_path / "a_folder"
    folder.mkdir(exist_ok=True)
    return {
        "inside_a_file": a_file / "report.html",
        "a_folder": folder,
        "proc": Path("/proc/version"),
        "proc_new": Path("/proc/b2bsim-report.html"),
    }


@pytest.mark.parametrize("where", ["inside_a_file", "a_folder", "proc", "proc_new"])
def test_unwritable_html_output(where: str, refused: Callable[..., str], tmp_path: Path) -> None:
    target = output_paths(tmp_path)[where]
    refused("run", "baseline", "--seed", "3", "--html", str(target), naming=(str(target),))


@pytest.fixture
def finished_store(tmp_path: Path, run_cli: Callable[..., Any]) -> Path:
    path = write_experiment(tmp_path / "experiments", replications=1)
    out = tmp_path / "store"
    result = run_cli("sweep", str(path), "--output", str(out), "--workers", "1")
    assert result.code == 0, result.err
    return out


@pytest.mark.parametrize("where", ["inside_a_file", "a_folder", "proc"])
def test_unwritable_report_output(
    where: str, refused: Callable[..., str], finished_store: Path, tmp_path: Path
) -> None:
    target = output_paths(tmp_path)[where]
    refused("report", str(finished_store), "-o", str(target), naming=(str(target),))


@pytest.mark.parametrize("where", ["inside_a_file", "proc_new"])
def test_unwritable_sweep_output(where: str, refused: Callable[..., str], tmp_path: Path) -> None:
    target = output_paths(tmp_path)[where]
    path = write_experiment(tmp_path / "experiments")
    refused("sweep", str(path), "--output", str(target), naming=(str(target),))


def test_scheduler_at_nothing_fails_fast_and_leaves_nothing(
    refused: Callable[..., str], tmp_path: Path
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = write_experiment(tmp_path / "experiments")
    out = tmp_path / "out"
    refused(
        "sweep",
        str(path),
        "--output",
        str(out),
        "--scheduler",
        f"tcp://127.0.0.1:{port}",
        naming=(f"127.0.0.1:{port}",),
    )
    assert not out.exists()


# ---- the results store as input --------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "",
        "   ",
        "COPY deals TO 'stolen.csv'",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_parquet('parts/*.parquet')",
        "ATTACH 'other.duckdb' AS other",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET enable_external_access = true",
        "SELEKT 1",
        "SELECT * FROM range(10000000000)",
        "SELECT * FROM deals, range(1000000)",
    ],
)
def test_query_is_read_only(
    sql: str, refused: Callable[..., str], finished_store: Path, workspace: Path
) -> None:
    refused("query", str(finished_store), sql, naming=("query",))
    assert not (workspace / "stolen.csv").exists() and not (workspace / "other.duckdb").exists()


MANIFESTS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "a_list": lambda m: [m],
    "design_of_strings": lambda m: {**m, "design": ["x", "y"]},
    "experiment_a_number": lambda m: {**m, "experiment": 3},
    "part_outside_the_folder": lambda m: {
        **m,
        "parts": [{"deals": "../../../etc/passwd", "deals_sha256": "0"}],
    },
    "format_from_the_future": lambda m: {**m, "format_version": 99},
    "deeply_nested": lambda m: {**m, "git_commit": json.loads("[" * 10_000 + "]" * 10_000)},
}


@pytest.mark.parametrize("case", sorted(MANIFESTS))
def test_damaged_manifest_is_refused(
    case: str, refused: Callable[..., str], finished_store: Path
) -> None:
    manifest_path = finished_store / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    if case == "deeply_nested":
        text = json.dumps(manifest)[:-1] + ', "extra": ' + "[" * 100_000 + "]" * 100_000 + "}"
    else:
        text = json.dumps(MANIFESTS[case](manifest))
    manifest_path.write_text(text)
    for command in (["status"], ["query", "SELECT 1"], ["report", "-o", "r.html"]):
        name, *rest = command
        refused(name, str(finished_store), *rest, naming=(str(manifest_path),))


@pytest.mark.parametrize("line", ["[1, 2]", '{"point": 3}', "{not json", '"text"'])
def test_damaged_failures_log_is_refused(
    line: str, refused: Callable[..., str], finished_store: Path
) -> None:
    log = finished_store / "failures.jsonl"
    log.write_text(line + "\n")
    refused("status", str(finished_store), naming=(str(log), "line 1"))


# ---- printed text is text ----------------------------------------------------------------


HOSTILE_NAME = "[/bold][link=https://evil.example]x[/link] week 3: forged"


def test_markup_in_names_prints_as_text(run_cli: Callable[..., Any], tmp_path: Path) -> None:
    scenario = {
        "name": HOSTILE_NAME,
        "description": "[bold]not bold[/bold]",
        "committee": {
            "stakeholders": [
                {"role": "champion", "name": "Ann [red]week 1: a forged line"},
                {"role": "finance", "name": "Bob [/]"},
            ]
        },
        "horizon_weeks": 12,
    }
    path = write(tmp_path, "hostile.yaml", yaml.safe_dump(scenario))
    for args in (
        ["run", str(path)],
        ["run", str(path), "--vs", "funnel_pusher,maze_guide"],
        ["compare", str(path), "--replications", "3", "--workers", "1"],
        ["validate", str(path)],
    ):
        result = run_cli(*args)
        assert result.code == 0, result.err
        printed = result.out + result.err
        assert "[/bold]" in printed, args  # shown, not interpreted
        assert not any(line.startswith("week 3: forged") for line in printed.splitlines())
        assert not any(line.startswith("week 1: a forged") for line in printed.splitlines())


CONTROLLED = ("\x00", "\x1b[2J", "\x07", "\n", "\t", "\x7f", "\x85", "\u2028", "\u202e", "\u2066")
"""A NUL, an escape sequence, a bell, a newline, a tab, DEL, a C1 control, a line separator and
two direction controls: each must be refused in any name or free-text field."""


def _named_fields(text: str) -> list[tuple[dict[str, Any], str]]:
    """A scenario with `text` in one name or free-text field each, and the field's path."""
    new_role = {"title": "the analyst", "priorities": {"cost": 1.0}}
    return [
        ({"name": text}, "name"),
        ({"description": text}, "description"),
        ({"committee": {"stakeholders": [{"role": "champion", "name": text}]}}, "name"),
        ({"roles": {"champion": {"title": text}}}, "roles.champion.title"),
        ({"options": {"vendors": {"ours": {"label": text}, "rival": {}}}}, "label"),
        ({"options": {"vendors": {"ours": {}, text: {}}}}, "options.vendors"),
        ({"roles": {text: new_role}}, "roles"),
        ({"criteria": ["cost", text]}, "criteria[1]"),
    ]


@pytest.mark.parametrize("control", CONTROLLED, ids=lambda c: f"U+{ord(c[0]):04X}")
def test_control_characters_in_names_are_refused(control: str, refused: Callable[..., str]) -> None:
    for scenario, field in _named_fields(f"Ann{control}evil"):
        path = write(Path.cwd(), "named.yaml", yaml.safe_dump(scenario))
        message = refused("validate", str(path), naming=("named.yaml", field, "U+"))
        assert control[0] not in message.rstrip("\n")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("[/bold]", "\\[/bold]"),
        ("a\nb\rc\td", "a b c d"),
        ("\x1b[31mred", "[31mred"),
        ("nul\x00", "nul"),
        ("\u202eright-to-left\u2066", "right-to-left"),
        ("\ud800 lone", "\ufffd lone"),
        ("Zoë 日本", "Zoë 日本"),
    ],
)
def test_safe_text(raw: str, shown: str) -> None:
    assert safe_text(raw) == shown
    assert "\n" not in safe_text(raw, markup=False)


# ---- command-line arguments ------------------------------------------------------------


def test_undecodable_file_name_is_reported_readably(refused: Callable[..., str]) -> None:
    """A file name of bytes that are not UTF-8 reaches Python as lone surrogates."""
    message = refused("validate", "caf\udce9.yaml", naming=("caf\ufffd.yaml", "not found"))
    message.encode("utf-8")  # printable as it is


@pytest.mark.parametrize(
    "args",
    [
        ["compare", "baseline", "--workers", "100000"],
        ["facts", "baseline", "--replications", str(10**9)],
        ["sweep", "x", "--dask-local", "100000"],
        ["territory", "territory", "--seed", str(2**63)],
    ],
    ids=["workers", "facts_replications", "dask_local", "territory_seed"],
)
def test_resource_hungry_options_are_bounded(args: list[str], refused: Callable[..., str]) -> None:
    refused(*args)


def test_experiment_whose_scenario_is_a_device(refused: Callable[..., str], tmp_path: Path) -> None:
    path = write_experiment(tmp_path / "experiments", scenario="/dev/zero")
    refused("sweep", str(path), naming=("/dev/zero", "not a regular file"))


# ---- any text at all ---------------------------------------------------------------------


YAML_PIECES = st.sampled_from(
    [
        "a: ",
        "&x ",
        "*x",
        "[",
        "]",
        "{",
        "}",
        ", ",
        "\n",
        "  ",
        "- ",
        "'",
        '"',
        "\\u00",
        "!!python",
        ".nan",
        "1e999",
        "9" * 50,
        "<<: *x",
        "? ",
        ": ",
        "|",
        "\t",
        "\x00",
        "\ud800",
        "#",
    ]
)


@settings(max_examples=300, deadline=2000)
@given(st.one_of(st.text(max_size=200), st.lists(YAML_PIECES, max_size=40).map("".join)))
def test_any_text_is_a_mapping_or_a_config_error(text: str) -> None:
    try:
        data = parse_yaml(text.encode("utf-8", "surrogatepass"), "fuzz.yaml")
    except ConfigError as error:
        assert str(error).startswith("fuzz.yaml: ")
        assert len(str(error)) < 2_000
    else:
        assert isinstance(data, dict)
        json.dumps(data, default=str)  # plain data, finite in size
