"""Documentation that cannot drift: every ```console example in README.md and docs/*.md is
run and its output compared exactly, numbers included (tests/docs_examples.py). After a
model change, `.venv/bin/python tests/docs_examples.py --update` rewrites the outputs."""

from __future__ import annotations

from pathlib import Path

import pytest
from docs_examples import SECONDS, Example, all_examples, differences, examples_in, run, update

EXAMPLES = all_examples()
BUDGET_SECONDS = 60  # CPU seconds of all documented runs together


def test_the_documents_show_examples_of_the_trainers_commands() -> None:
    commands = {example.arguments[0] for example in EXAMPLES}
    assert {"run", "compare", "territory"} <= commands
    assert "explore" not in commands, "a server never ends: show it in a plain block"


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_documented_output_is_what_the_command_prints(example: Example) -> None:
    printed = run(example)
    assert printed == example.shown, (
        f"{example.name}: `{example.command}` prints something else now; run "
        "`.venv/bin/python tests/docs_examples.py --update` and re-read the prose:\n"
        + differences(example.shown, printed)
    )


@pytest.mark.slow
def test_all_documented_runs_fit_the_budget() -> None:
    for example in EXAMPLES:
        run(example)  # each distinct command runs once, timed
    spent = sum(SECONDS[e.arguments] for e in {e.arguments: e for e in EXAMPLES}.values())
    assert spent < BUDGET_SECONDS, sorted(SECONDS.items(), key=lambda kv: -kv[1])


DOCUMENT = """# A page

Prose with a command that is not run:

```
$ b2bsim run nothing-here
```

```console
$ b2bsim scenarios --no-such-option
stale output
$ b2bsim run baseline --vs maze_guide
also stale
```

The end.
"""


def test_examples_are_found_only_in_console_blocks(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(DOCUMENT)
    found = examples_in(page)
    assert [e.arguments for e in found] == [
        ("scenarios", "--no-such-option"),
        ("run", "baseline", "--vs", "maze_guide"),
    ]
    assert [e.shown for e in found] == ["stale output", "also stale"]
    assert found[0].line == 10


def test_a_console_line_that_is_not_b2bsim_is_refused(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("```console\n$ rm -rf /\n```\n")
    with pytest.raises(ValueError, match="only `\\$ b2bsim"):
        examples_in(page)


def test_update_rewrites_only_the_outputs(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(DOCUMENT)
    changed = update(examples_in(page))
    assert len(changed) == 2
    text = page.read_text()
    assert "stale" not in text
    assert "error: --vs: give exactly two strategies" in text
    assert text.startswith("# A page") and text.endswith("The end.\n")
    assert "$ b2bsim run nothing-here" in text
    again = examples_in(page)
    assert [run(e) == e.shown for e in again] == [True, True]
    assert update(again) == []
