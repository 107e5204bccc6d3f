"""The commands documented with their output, found, run and compared (or rewritten).

Convention: a fenced block opened with ```console in README.md or docs/*.md holds one or
more examples; each starts with a line `$ b2bsim ARGS` and its output follows, exactly as
the program prints it (standard output and standard error together), up to the next `$ `
line or the end of the block. Any other fenced block is prose, never run.

Every example runs in a scratch folder beside the named scenarios, with the terminal width
and colour fixed, so the output is the same on every machine. The only normalisation is
trailing blanks at line ends and at the end of the output.

Update the documents from what the program prints now (after a model change; re-read the
prose around each example afterwards):

    .venv/bin/python tests/docs_examples.py --update
"""

from __future__ import annotations

import functools
import os
import resource
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOCUMENTS = (REPO / "README.md", *sorted((REPO / "docs").glob("*.md")))
SCRIPT = Path(sys.executable).parent / "b2bsim"
OPENING = "```console"
PROMPT = "$ b2bsim "
SECONDS_PER_EXAMPLE = 240
"""Generous: `b2bsim facts` simulates 2,000 deals, and a shared machine may run other work."""
ENVIRONMENT = {
    "COLUMNS": "150",
    "NO_COLOR": "1",
    "TERM": "dumb",
    "PYTHONHASHSEED": "0",
    "B2BSIM_PROGRESS": "0",  # no progress lines: their count depends on the machine's speed
}


@dataclass(frozen=True)
class Example:
    """One documented command and the output the document shows for it."""

    document: Path
    line: int  # 1-based line of the `$ b2bsim` line
    arguments: tuple[str, ...]
    shown: str
    first: int  # 0-based index of the first output line in the document
    last: int  # 0-based index after the last output line

    @property
    def name(self) -> str:
        shown = (
            self.document.relative_to(REPO) if self.document.is_relative_to(REPO) else self.document
        )
        return f"{shown}:{self.line}"

    @property
    def command(self) -> str:
        return "b2bsim " + shlex.join(self.arguments)


def examples_in(document: Path) -> list[Example]:
    """Every example of one document, in order."""
    lines = document.read_text(encoding="utf-8").split("\n")
    found = []
    inside = False
    current: tuple[int, tuple[str, ...]] | None = None

    def close(end: int) -> None:
        if current is not None:
            start, arguments = current
            output = lines[start + 1 : end]
            found.append(
                Example(document, start + 1, arguments, _clean("\n".join(output)), start + 1, end)
            )

    for index, line in enumerate(lines):
        if not inside:
            inside = line.strip() == OPENING
            continue
        if line.startswith("```"):
            close(index)
            inside, current = False, None
        elif line.startswith("$ "):
            close(index)
            if not line.startswith(PROMPT):
                raise ValueError(f"{document}:{index + 1}: only `$ b2bsim ...` lines are run")
            current = (index, tuple(shlex.split(line.removeprefix(PROMPT))))
    if inside:
        raise ValueError(f"{document}: a ```console block is never closed")
    return found


def all_examples() -> list[Example]:
    return [example for document in DOCUMENTS for example in examples_in(document)]


def _clean(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def run(example: Example) -> str:
    """What the command prints now, run in a scratch folder beside the named scenarios (a
    command shown in several places runs once)."""
    return printed_by(example.arguments)


SECONDS: dict[tuple[str, ...], float] = {}  # CPU seconds each distinct command took


def _cpu_of_children() -> float:
    """CPU seconds of finished child processes (their pool workers included): unlike the
    wall clock, it does not grow when other work shares the machine."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@functools.cache
def printed_by(arguments: tuple[str, ...]) -> str:
    started = _cpu_of_children()
    with tempfile.TemporaryDirectory(prefix="b2bsim-docs-") as scratch:
        for folder in ("scenarios", "experiments"):
            (Path(scratch) / folder).symlink_to(REPO / folder)
        done = subprocess.run(
            [str(SCRIPT), *arguments],
            cwd=scratch,
            env={**os.environ, **ENVIRONMENT},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=SECONDS_PER_EXAMPLE,
            check=False,
        )
        SECONDS[arguments] = _cpu_of_children() - started
        return _clean(done.stdout.replace(scratch, "."))


def update(examples: list[Example]) -> list[str]:
    """Rewrite every example's output with what the program prints now; the names of the
    examples that changed."""
    changed = []
    by_document: dict[Path, list[tuple[Example, str]]] = {}
    for example in examples:
        printed = run(example)
        if printed != example.shown:
            changed.append(example.name)
        by_document.setdefault(example.document, []).append((example, printed))
    for document, pairs in by_document.items():
        lines = document.read_text(encoding="utf-8").split("\n")
        for example, printed in sorted(pairs, key=lambda p: -p[0].first):
            lines[example.first : example.last] = printed.split("\n") if printed else []
        document.write_text("\n".join(lines), encoding="utf-8")
    return changed


def differences(shown: str, printed: str) -> str:
    """A unified diff, documented against printed, for a failing test."""
    import difflib

    return "\n".join(
        difflib.unified_diff(
            shown.split("\n"), printed.split("\n"), "documented", "printed now", lineterm=""
        )
    )


def main(argv: list[str]) -> int:
    if argv != ["--update"]:
        print(__doc__)
        return 2
    changed = update(all_examples())
    for name in changed:
        print(f"updated {name}")
    print(f"{len(changed)} example(s) updated; re-read the prose around them")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
