"""Make exercise notebooks from solution notebooks: ``solutions/`` is the single source.

In a solution notebook, each answer sits between ``### BEGIN SOLUTION`` and ``### END SOLUTION``
(nbgrader's markers) in a code cell. The exercise keeps everything else and puts a stub in place of
the answer. A written question's model answer sits in a markdown cell between the same markers written as HTML
comments (``<!-- ### BEGIN SOLUTION -->``, invisible when the solution is shown); the exercise gets a line for the
student's own answer instead. Run ``twin-make-exercises`` after editing a solution; ``twin-make-exercises --check``
fails when ``exercises/`` has drifted from ``solutions/`` (the tests run it).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from twin.course.output import write_atomically

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB = 'raise NotImplementedError("Your turn: replace this line with your answer.")'
_MARKED = re.compile(rf"^([ \t]*){re.escape(BEGIN)}[^\n]*\n.*?^[ \t]*{re.escape(END)}[^\n]*$", re.M | re.S)
PROSE_BEGIN = f"<!-- {BEGIN} -->"
PROSE_END = f"<!-- {END} -->"
YOUR_ANSWER = "**Your answer:** *(double-click this cell and write it here)*"
_MARKED_PROSE = re.compile(rf"^{re.escape(PROSE_BEGIN)}[^\n]*\n.*?^{re.escape(PROSE_END)}[^\n]*$", re.M | re.S)


def strip_solutions(source: str) -> str:
    """Replace every marked answer in a code cell's source with an indented stub."""
    if source.count(BEGIN) != source.count(END):
        raise ValueError(f"unbalanced solution markers: every {BEGIN!r} needs its own {END!r}.\n{source}")
    return _MARKED.sub(lambda m: f"{m.group(1)}# YOUR CODE HERE\n{m.group(1)}{STUB}", source)


def strip_model_answers(source: str) -> str:
    """Replace every model answer in a markdown cell's source with a line for the student's answer."""
    if source.count(PROSE_BEGIN) != source.count(PROSE_END) or source.count(BEGIN) != source.count(PROSE_BEGIN):
        raise ValueError(
            f"a model answer in a markdown cell sits between {PROSE_BEGIN!r} and {PROSE_END!r}, "
            f"each on a line of its own, in pairs.\n{source}"
        )
    return _MARKED_PROSE.sub(YOUR_ANSWER, source)


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
            source = strip_model_answers(source)
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
    # every exercise is made before any is written: a broken solution stops the run with exercises/ untouched
    made = {}
    for path in solutions:
        try:
            made[root / "exercises" / path.name] = render(make_exercise(json.loads(path.read_text())))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            problem = f"not valid JSON ({error})" if isinstance(error, json.JSONDecodeError) else str(error)
            if isinstance(error, KeyError | TypeError | AttributeError):
                problem = f"not a Jupyter notebook ({type(error).__name__}: {error})"
            raise ValueError(f"{path}: {problem}\nFix that solution notebook; no exercise was written.") from error
    changed = [target for target, text in made.items() if not target.exists() or target.read_text() != text]
    if not check:
        for target in changed:
            target.parent.mkdir(exist_ok=True)
            write_atomically(target, made[target])
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="examples:\n  twin-make-exercises           regenerate exercises/ from solutions/ (in the course folder)"
        "\n  twin-make-exercises --check   only say which exercises are out of date",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the course's root folder (default: here)")
    parser.add_argument("--check", action="store_true", help="only report drift; exit 1 if any")
    args = parser.parse_args(argv)
    try:
        changed = sync(args.root, args.check)
    except (OSError, ValueError) as error:
        print(f"twin-make-exercises: {error}", file=sys.stderr)
        return 2
    verb = "out of date" if args.check else "written"
    for path in changed:
        print(f"{verb}: {path.relative_to(args.root)}")
    if args.check and changed:
        print("Run `twin-make-exercises` to regenerate exercises/ from solutions/.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
