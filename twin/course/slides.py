"""Lecture mode: slide metadata for the notebooks an instructor projects, so they export to reveal.js slides.

    twin-lecture-mode notebooks/01_what_is_a_digital_twin.ipynb        # mark its cells
    jupyter nbconvert --to slides --execute notebooks/01_what_is_a_digital_twin.ipynb

The rule follows the notebook's own outline: each top-level or section heading (``#``, ``##``) starts a slide, a
subsection (``###``) a sub-slide below it, and every other cell continues the slide it is on. Edit a notebook's
headings and run the command again; ``--check`` reports notebooks whose marks have drifted (the tests run it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

from twin.course.output import write_atomically

LECTURE_NOTEBOOKS = (
    "notebooks/01_what_is_a_digital_twin.ipynb",
    "notebooks/07_reality_gap.ipynb",
    "notebooks/09_humanoid_balance.ipynb",
)


def slide_type(cell: dict) -> str:
    """``slide``, ``subslide`` or ``-`` (continue) for one notebook cell, by its heading level."""
    if cell.get("cell_type") != "markdown":
        return "-"
    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    first = source.lstrip().split("\n", 1)[0]
    if first.startswith(("# ", "## ")):
        return "slide"
    if first.startswith("### "):
        return "subslide"
    return "-"


def mark_slides(notebook: dict) -> bool:
    """Set every cell's ``slideshow.slide_type``; returns whether anything changed."""
    changed = False
    for cell in notebook["cells"]:
        wanted = slide_type(cell)
        if cell.setdefault("metadata", {}).get("slideshow", {}).get("slide_type") != wanted:
            cell["metadata"]["slideshow"] = {"slide_type": wanted}
            changed = True
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="examples:\n  twin-lecture-mode                   renew the marks of notebooks 01, 07 and 09 (run in "
        "the course folder)\n  twin-lecture-mode notebooks/05_operating_the_twin.ipynb   mark another notebook",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("notebooks", nargs="*", type=Path, help=f"default: {', '.join(LECTURE_NOTEBOOKS)}")
    parser.add_argument("--check", action="store_true", help="only report notebooks whose marks drifted; exit 1")
    args = parser.parse_args(argv)
    paths = args.notebooks or [Path(name) for name in LECTURE_NOTEBOOKS if Path(name).is_file()]
    if not paths:
        print(
            "twin-lecture-mode: none of the lecture notebooks is here: run it from the course folder, or name the "
            "notebooks to mark.",
            file=sys.stderr,
        )
        return 2
    notebooks = {}
    for path in paths:  # every notebook is read before any is written
        if path.is_dir():
            print(f"twin-lecture-mode: {path} is a folder: name its notebooks (e.g. {path}/*.ipynb)", file=sys.stderr)
            return 2
        if not path.is_file():
            print(f"twin-lecture-mode: no such notebook {path}", file=sys.stderr)
            return 2
        try:
            notebooks[path] = nbformat.read(path, as_version=4)
        except Exception as error:  # nbformat raises its own kinds for non-JSON and non-notebook files
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            print(
                f"twin-lecture-mode: {path} is not a readable Jupyter notebook ({reason}); nothing was changed",
                file=sys.stderr,
            )
            return 2
    drifted = []
    for path, notebook in notebooks.items():
        if mark_slides(notebook):
            drifted.append(path)
            if not args.check:
                write_atomically(path, nbformat.writes(notebook).rstrip("\n") + "\n")
    for path in drifted:
        print(f"{'slide marks out of date' if args.check else 'marked'}: {path}")
    return 1 if args.check and drifted else 0


if __name__ == "__main__":
    sys.exit(main())
