"""Build a static website of the executed notebooks, for a course page or a lecture room without Jupyter.

    twin-build-site --out site/

Each notebook in ``notebooks/`` is run top to bottom in its own kernel and written as one HTML page; ``index.html``
lists them by chapter section (read from the README's chapter map). The pages need no server: the 3D views carry
their viewer inside the page, and the figures are images. What cannot live in a static page says so in its place:
interactive widgets (sliders) show a note pointing to the notebook. Progress bars show how they ended. Formulas are
typeset by MathJax, fetched from its CDN when the page is opened online; offline they show as LaTeX source.
"""

from __future__ import annotations

import argparse
import html
import math
import os
import re
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from twin.course.output import prepare_output_folder, write_atomically

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"  # where a run stores its widgets' last state
WIDGET_NOTE = (
    '<p style="border-left:4px solid #888;padding:4px 8px;color:#555"><i>An interactive control stands here in the '
    "notebook: open the notebook in JupyterLab to move it. The figures around it show its default setting.</i></p>"
)
_REQUIRE_JS = re.compile(r'<script src="https://cdnjs\.cloudflare\.com/ajax/libs/require\.js/[^"]*"></script>\s*')
_CHAPTER_ROW = re.compile(r"^\| `notebooks/([^`]+\.ipynb)` \| ([^|]*) \| ([^|]*) \|", re.M)


@dataclass(frozen=True)
class SitePage:
    """One notebook on the site: its page file, title, chapter section, and the error if it failed to run."""

    notebook: str
    page: str
    title: str
    section: str
    outcome: str
    error: str = ""


def chapter_map(readme: Path) -> dict[str, tuple[str, str]]:
    """notebook file name -> (chapter section, what the student will be able to do), from the README's table."""
    if not readme.is_file():
        return {}
    return {
        name: (section.strip(), outcome.strip()) for name, section, outcome in _CHAPTER_ROW.findall(readme.read_text())
    }


def _title(notebook) -> str:
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return ""


def without_widgets(notebook) -> int:
    """Replace widget outputs (which need a live kernel) by what a static page can show; keep their static fallbacks
    out (a progress bar's fallback is its first frame, at 0 %). A progress bar (tqdm's) becomes its last state, read
    from the widget state the run stored; any other widget becomes a note. Returns how many were replaced."""
    stored = notebook.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    replaced = 0
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                bar = finished_progress_bar(data[WIDGET_VIEW].get("model_id", ""), stored)
                output["data"] = {"text/html": WIDGET_NOTE if bar is None else bar}
                replaced += 1
    notebook.metadata.pop("widgets", None)  # no live widget is left for the state to serve
    return replaced


def finished_progress_bar(model_id: str, stored: dict) -> str | None:
    """A tqdm progress bar as it ended, as static HTML: its label, a bar and its counts (``stored``: the widget
    state a run saved, model id -> model). ``None`` when the widget is not a progress bar."""
    model = stored.get(model_id, {})
    if model.get("model_name") != "HBoxModel":
        return None
    children = [stored.get(ref.removeprefix("IPY_MODEL_"), {}) for ref in model.get("state", {}).get("children", [])]
    if [child.get("model_name") for child in children] != ["HTMLModel", "FloatProgressModel", "HTMLModel"]:
        return None
    label, bar, counts = (child.get("state", {}) for child in children)
    value, maximum = bar.get("value"), bar.get("max")
    known = all(isinstance(v, int | float) and math.isfinite(v) for v in (value, maximum)) and maximum > 0
    progress = f'<progress value="{value:g}" max="{maximum:g}"></progress>' if known else "<progress></progress>"
    # tqdm writes the label and the counts as HTML itself (escaped text): they go in as they are
    return f'<div style="font-family:monospace">{label.get("value", "")} {progress} {counts.get("value", "")}</div>'


def build_page(source: Path, target: Path, quick: bool, cell_timeout_s: float) -> str:
    """Run ``source`` in its own kernel (in its folder) and write its HTML page to ``target``; returns the
    notebook's title. Raises ``nbclient``'s ``CellExecutionError`` when a cell fails."""
    import nbformat
    from nbconvert import HTMLExporter

    from twin.course.notebook_runner import notebook_client

    notebook = nbformat.read(source, as_version=4)
    previous = os.environ.get("TWIN_TEST_MODE")
    os.environ["TWIN_TEST_MODE"] = "1" if quick else "0"
    client = notebook_client(
        notebook,
        timeout=int(cell_timeout_s),
        kernel_name="python3",
        resources={"metadata": {"path": str(source.parent)}},
        store_widget_state=True,  # the progress bars' last state, for without_widgets
    )
    try:
        client.execute()
    except Exception:
        _raise_if_interrupted(client)
        raise
    finally:
        if previous is None:
            os.environ.pop("TWIN_TEST_MODE")
        else:
            os.environ["TWIN_TEST_MODE"] = previous
    _raise_if_interrupted(client)
    without_widgets(notebook)
    page, _ = HTMLExporter(template_name="lab").from_notebook_node(notebook)
    page = _REQUIRE_JS.sub("", page)  # only live widgets need require.js, and they are not on a static page
    write_atomically(target, page)
    return _title(notebook)


def _raise_if_interrupted(client) -> None:
    """KeyboardInterrupt when Ctrl-C or SIGTERM came while nbclient ran the notebook. nbclient takes both signals
    while it runs, shuts the kernel down and lets the cell fail with an ordinary error (an ``AssertionError``),
    which alone would only skip this notebook and go on with the next; its handler leaves this mark."""
    if getattr(client, "_async_cleanup_kernel_future", None) is not None:
        raise KeyboardInterrupt


@contextmanager
def _interrupts_stop_everything() -> Iterator[list[int]]:
    """Ctrl-C (SIGINT) and SIGTERM raise KeyboardInterrupt (between notebooks, where nbclient does not take them)
    and are remembered in the list yielded."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def on_signal(signum: int, frame: object) -> None:
        received.append(signum)
        raise KeyboardInterrupt

    previous = {number: signal.signal(number, on_signal) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield received
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def index_page(pages: list[SitePage]) -> str:
    """The site's front page: one row per notebook, in chapter order."""
    rows = []
    for page in pages:
        link = (
            f'<a href="{html.escape(page.page)}">{html.escape(page.title or page.notebook)}</a>'
            if not page.error
            else f"{html.escape(page.title or page.notebook)} <i>(did not build: {html.escape(page.error)})</i>"
        )
        rows.append(f"<tr><td>{link}</td><td>{html.escape(page.section)}</td><td>{html.escape(page.outcome)}</td></tr>")
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Digital Twin &amp; Physical AI</title>'
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}table{border-collapse:"
        "collapse}td,th{border-bottom:1px solid #ddd;padding:6px 8px;text-align:left;vertical-align:top}</style>"
        "</head><body><h1>Digital Twin &amp; Physical AI</h1><p>The course's notebooks, run top to bottom. The 3D "
        "views and figures work offline; sliders need the notebook itself, in JupyterLab; formulas need a network "
        "connection (offline they show as LaTeX).</p><table><tr><th>notebook</th><th>chapter section</th>"
        "<th>you will be able to</th></tr>" + "".join(rows) + "</table></body></html>"
    )


def build_site(
    notebooks: list[Path],
    out: Path,
    readme: Path | None = None,
    quick: bool = False,
    cell_timeout_s: float = 900.0,
    progress: bool = True,
) -> list[SitePage]:
    """Build one page per notebook and ``index.html`` in ``out``. A notebook that fails is listed with its error
    and the others are still built."""
    if not notebooks:
        raise ValueError("no notebooks to build: pass notebook files, or run from the course folder.")
    folders = [str(path) for path in notebooks if path.is_dir()]
    if folders:
        raise IsADirectoryError(
            f"{', '.join(folders)}: a folder, not a notebook; pass its notebooks (e.g. {folders[0]}/*.ipynb)."
        )
    missing = [str(path) for path in notebooks if not path.is_file()]
    if missing:
        raise FileNotFoundError(f"no such notebook(s): {', '.join(missing)}")
    sections = chapter_map(readme) if readme else {}
    prepare_output_folder(out, "the site")
    from twin.core.progress import tqdm

    pages = []
    for source in tqdm(notebooks, desc="notebooks", unit="notebook", disable=not progress):
        section, outcome = sections.get(source.name, ("", ""))
        page_name = source.with_suffix(".html").name
        # per notebook: nbclient puts back Python's default handlers when it finishes one
        with _interrupts_stop_everything() as interrupted:
            try:
                title = build_page(source, out / page_name, quick, cell_timeout_s)
                pages.append(SitePage(source.name, page_name, title, section, outcome))
            except Exception as error:  # one notebook's failure is reported, the site still builds
                if interrupted:
                    raise KeyboardInterrupt from error
                reason = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
                pages.append(SitePage(source.name, page_name, source.stem, section, outcome, error=reason[:300]))
    write_atomically(out / "index.html", index_page(pages))
    return pages


_EXAMPLES = """examples:
  twin-build-site --out site/                     every notebook in notebooks/, in full (a long coffee break)
  twin-build-site --quick --out preview/          short runs, for a look at the pages
  twin-build-site notebooks/07_reality_gap.ipynb --out one/    one notebook

Ctrl-C stops the build and its kernel; pages already built stay, each complete."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], epilog=_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to build (default: notebooks/*.ipynb)")
    parser.add_argument("--out", type=Path, default=Path("site"), help="output folder (default: ./site)")
    parser.add_argument("--quick", action="store_true", help="short runs (the test suite's setting), for a preview")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted(Path("notebooks").glob("*.ipynb"))
    try:
        pages = build_site(notebooks, args.out, readme=Path("README.md"), quick=args.quick)
    except (OSError, ValueError) as error:
        print(f"twin-build-site: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            f"twin-build-site: stopped, and its kernel with it; {args.out / 'index.html'} was not updated "
            "(pages built before stay, each complete).",
            file=sys.stderr,
        )
        return 130
    failed = [page for page in pages if page.error]
    for page in failed:
        print(f"{page.notebook} did not build: {page.error}", file=sys.stderr)
    print(f"wrote {args.out / 'index.html'} and {len(pages) - len(failed)} page(s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
