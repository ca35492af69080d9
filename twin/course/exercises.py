"""Make exercise notebooks from solution notebooks: ``solutions/`` is the single source.

In a solution notebook, each answer sits between ``### BEGIN SOLUTION`` and ``### END SOLUTION``
(nbgrader's markers) in a code cell, or, for a written question's model answer, in a markdown cell. The
exercise keeps everything else and puts a stub in place of the answer. Run ``twin-make-exercises`` after
editing a solution; ``twin-make-exercises --check`` fails when ``exercises/`` has drifted from ``solutions/``
(the tests run it).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB = 'raise NotImplementedError("Your turn: replace this line with your answer.")'
WRITTEN_STUB = "*Your answer here.*"
_MARKED = re.compile(rf"^([ \t]*){re.escape(BEGIN)}[^\n]*\n.*?^[ \t]*{re.escape(END)}[^\n]*$", re.M | re.S)


def strip_solutions(source: str, markdown: bool = False) -> str:
    """Replace every marked answer in a code cell's source with an indented stub (in a markdown cell's source,
    a model answer with a line that asks for the student's)."""
    if source.count(BEGIN) != source.count(END):
        raise ValueError(f"unbalanced solution markers: every {BEGIN!r} needs its own {END!r}.\n{source}")
    if markdown:
        return _MARKED.sub(WRITTEN_STUB, source)
    return _MARKED.sub(lambda m: f"{m.group(1)}# YOUR CODE HERE\n{m.group(1)}{STUB}", source)


def make_exercise(solution: dict) -> dict:
    """The exercise version of a solution notebook (a notebook JSON dict), outputs cleared."""
    exercise = json.loads(json.dumps(solution))
    found = 0
    for cell in exercise["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code":
            found += source.count(BEGIN)
            source = strip_solutions(source)
            cell["outputs"] = []
            cell["execution_count"] = None
        elif cell["cell_type"] == "markdown":
            source = strip_solutions(source, markdown=True)
        cell["source"] = source
    if not found:
        raise ValueError(f"this solution notebook has no {BEGIN!r} marker: nothing to turn into an exercise.")
    return exercise


def render(notebook: dict) -> str:
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def sync(root: Path, check: bool) -> list[Path]:
    """Write (or, with ``check``, compare) ``exercises/X.ipynb`` for every ``solutions/X.ipynb``.

    Returns the exercise files that were (or would be) changed.
    """
    solutions = sorted((root / "solutions").glob("*.ipynb"))
    if not solutions:
        raise FileNotFoundError(f"no solution notebooks in {root / 'solutions'}; run from the course's root folder.")
    changed = []
    for path in solutions:
        target = root / "exercises" / path.name
        text = render(make_exercise(json.loads(path.read_text())))
        if not target.exists() or target.read_text() != text:
            changed.append(target)
            if not check:
                target.parent.mkdir(exist_ok=True)
                target.write_text(text)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the course's root folder (default: here)")
    parser.add_argument("--check", action="store_true", help="only report drift; exit 1 if any")
    args = parser.parse_args(argv)
    changed = sync(args.root, args.check)
    verb = "out of date" if args.check else "written"
    for path in changed:
        print(f"{verb}: {path.relative_to(args.root)}")
    if args.check and changed:
        print("Run `twin-make-exercises` to regenerate exercises/ from solutions/.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
