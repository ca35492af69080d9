"""The static course site: executed notebooks as pages that work offline, an index by chapter section."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from twin.course import site

ROOT = Path(__file__).resolve().parents[1]
FIRST = ROOT / "notebooks" / "01_what_is_a_digital_twin.ipynb"
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    pages = site.build_site([FIRST], out, readme=ROOT / "README.md", quick=True, progress=False)
    return out, pages


def test_the_site_has_an_index_by_chapter_section_and_a_page_per_notebook(built):
    out, pages = built
    assert [p.error for p in pages] == [""]
    section, outcome = site.chapter_map(ROOT / "README.md")[FIRST.name]
    assert section and outcome
    index = (out / "index.html").read_text()
    assert f'href="{FIRST.stem}.html"' in index and section in index
    page = (out / f"{FIRST.stem}.html").read_text()
    assert pages[0].title and pages[0].title in page


def test_pages_carry_their_3d_viewer_and_fetch_no_script_but_the_formula_typesetter(built):
    out, _ = built
    page = (out / f"{FIRST.stem}.html").read_text()
    assert "MeshCat" in page, "the 3D views must carry the viewer inside the page"
    remote_scripts = re.findall(r'<script[^>]+src="(https?://[^"]+)"', page)
    assert all("mathjax" in url for url in remote_scripts), remote_scripts
    assert '<script type="application/vnd.jupyter.widget-view+json"' not in page, "a widget view needs a live kernel"
    assert site.WIDGET_NOTE in page, "notebook 01's dashboard widget should leave a note on the static page"


def test_widget_outputs_become_a_note_and_other_outputs_stay():
    import nbformat

    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={site.WIDGET_VIEW: {"model_id": "1"}, "text/plain": "VBox()"}),
        nbformat.v4.new_output("display_data", data={"image/png": "AAAA"}),
    ]
    notebook.cells.append(cell)
    assert site.without_widgets(notebook) == 1
    assert cell.outputs[0]["data"] == {"text/html": site.WIDGET_NOTE}
    assert cell.outputs[1]["data"] == {"image/png": "AAAA"}


def _progress_bar_state(value: float, maximum: float) -> dict:
    """The widget state tqdm's notebook bar leaves (an HBox of label, FloatProgress, counts), by model id."""
    return {
        "bar": {"model_name": "HBoxModel", "state": {"children": ["IPY_MODEL_label", "IPY_MODEL_fill", "IPY_MODEL_n"]}},
        "label": {"model_name": "HTMLModel", "state": {"value": "stand-ins:\u2007100%"}},
        "fill": {"model_name": "FloatProgressModel", "state": {"value": value, "max": maximum, "bar_style": "success"}},
        "n": {"model_name": "HTMLModel", "state": {"value": "\u200740/40\u2007[00:03&lt;00:00]"}},
        "slider": {"model_name": "IntSliderModel", "state": {"value": 3}},
    }


def test_a_progress_bar_shows_how_it_ended_and_other_widgets_leave_the_note():
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["widgets"] = {site.WIDGET_STATE: {"state": _progress_bar_state(40.0, 40.0)}}
    cell = nbformat.v4.new_code_cell("x")
    first_frame = "stand-ins:   0%|          | 0/40 [00:00<?, ?stand-in/s]"  # what the text fallback shows
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={site.WIDGET_VIEW: {"model_id": "bar"}, "text/plain": first_frame}),
        nbformat.v4.new_output("display_data", data={site.WIDGET_VIEW: {"model_id": "slider"}, "text/plain": "s"}),
        nbformat.v4.new_output("display_data", data={site.WIDGET_VIEW: {"model_id": "gone"}, "text/plain": "?"}),
    ]
    notebook.cells.append(cell)
    assert site.without_widgets(notebook) == 3
    bar = cell.outputs[0]["data"]["text/html"]
    assert '<progress value="40" max="40"></progress>' in bar and "100%" in bar and "40/40" in bar and " 0%|" not in bar
    assert cell.outputs[1]["data"] == {"text/html": site.WIDGET_NOTE}  # a slider needs the notebook
    assert cell.outputs[2]["data"] == {"text/html": site.WIDGET_NOTE}  # no stored state: nothing to show but the note
    assert "widgets" not in notebook.metadata  # no live widget is left for the state to serve


def test_a_progress_bar_without_a_known_total_shows_an_open_bar():
    state = _progress_bar_state(12.0, float("nan"))
    assert "<progress></progress>" in site.finished_progress_bar("bar", state)
    assert site.finished_progress_bar("slider", state) is None
    assert site.finished_progress_bar("label", state) is None  # a lone HTML widget is not a bar


def test_a_failing_notebook_is_listed_with_its_error_and_the_rest_still_builds(tmp_path):
    import nbformat

    broken = tmp_path / "broken.ipynb"
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# Broken"), nbformat.v4.new_code_cell("1 / 0")]
    nbformat.write(notebook, broken)
    fine = tmp_path / "fine.ipynb"
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Fine"),
        nbformat.v4.new_code_cell(
            "from tqdm.auto import tqdm\n\nfor _ in tqdm(range(40), desc='stand-ins'):\n    pass"
        ),
    ]
    nbformat.write(notebook, fine)
    pages = site.build_site([broken, fine], tmp_path / "out", quick=True, progress=False)
    assert "ZeroDivisionError" in pages[0].error and pages[1].error == ""
    assert (tmp_path / "out" / "fine.html").is_file() and not (tmp_path / "out" / "broken.html").exists()
    assert "did not build" in (tmp_path / "out" / "index.html").read_text()
    page = (tmp_path / "out" / "fine.html").read_text()  # tqdm's bar, run in a real kernel, as it ended
    bar = re.search(r"<progress ([^>]*)></progress>", page)  # the page's sanitiser may reorder the attributes
    assert bar and sorted(bar.group(1).split()) == ['max="40"', 'value="40"'] and "40/40" in page, page[-1000:]
    with pytest.raises(FileNotFoundError, match="no such notebook"):
        site.build_site([tmp_path / "nowhere.ipynb"], tmp_path / "out")
    with pytest.raises(ValueError, match="no notebooks"):
        site.build_site([], tmp_path / "out")


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (Debian package `chromium`) to open the page")
def test_the_3d_view_draws_with_the_network_cut(built):
    playwright = pytest.importorskip("playwright.sync_api")
    out, _ = built
    flags = ["--headless=new", "--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=flags)
        try:
            page = browser.new_page()
            page.route(
                "**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort()
            )
            page.goto((out / f"{FIRST.stem}.html").as_uri())
            frames = [frame for frame in page.frames if frame != page.main_frame]
            assert frames, "the page should hold the 3D view's frame"
            for frame in frames:
                frame.wait_for_function("window.twinReady === true || !!window.twinError", timeout=60000)
                assert frame.evaluate("window.twinError || null") is None
                assert frame.evaluate("!!window.viewer")
        finally:
            browser.close()


def _tiny_notebook(path: Path, code: str) -> Path:
    import nbformat

    cells = [nbformat.v4.new_markdown_cell(f"# {path.stem}"), nbformat.v4.new_code_cell(code)]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def test_a_wrong_out_or_a_folder_for_a_notebook_gets_an_error_that_says_what_to_pass(tmp_path, capsys):
    quick = _tiny_notebook(tmp_path / "quick.ipynb", "print(1)")
    blocker = tmp_path / "site.txt"
    blocker.write_text("notes")
    for out in (blocker, blocker / "site"):
        assert site.main([str(quick), "--out", str(out)]) == 2
        assert "pass --out with a folder" in capsys.readouterr().err
    assert site.main([str(tmp_path), "--out", str(tmp_path / "site")]) == 2
    assert f"pass its notebooks (e.g. {tmp_path}/*.ipynb)" in capsys.readouterr().err
    assert blocker.read_text() == "notes"


@pytest.mark.parametrize("stop", ["SIGINT", "SIGTERM"], ids=["ctrl-c", "terminate"])
def test_stopping_the_build_stops_it_all_and_leaves_no_kernel_and_no_half_page(tmp_path, stop):
    import signal
    import subprocess
    import sys
    import time

    import psutil

    slow = _tiny_notebook(tmp_path / "slow.ipynb", "import time\nfor _ in range(600):\n    time.sleep(0.1)")
    quick = _tiny_notebook(tmp_path / "quick.ipynb", "print(1)")
    out = tmp_path / "site"
    command = [sys.executable, "-m", "twin.course.site", str(slow), str(quick), "--out", str(out), "--quick"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        kernels: list[psutil.Process] = []
        for _ in range(300):  # wait until the slow notebook's kernel runs
            kernels = [p for p in psutil.Process(process.pid).children(recursive=True) if "ipykernel" in p.cmdline()[2]]
            if kernels:
                break
            time.sleep(0.1)
        assert kernels, "the kernel never started"
        time.sleep(1.5)  # into the slow cell
        process.send_signal(getattr(signal, stop))
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    # (the kernel's own complaint about its closed sockets may show above: it shares the terminal)
    assert "twin-build-site: stopped" in stderr and "KeyboardInterrupt" not in stderr
    _, alive = psutil.wait_procs(kernels, timeout=10)
    assert not alive, "the kernel outlived the build"
    assert not out.exists() or not list(out.iterdir()), "the next notebook was built, or something half-written left"
