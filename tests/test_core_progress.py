"""Progress bars (twin.core.progress.tqdm): tqdm's bar, whose copy saved in a notebook shows how it ended."""

from __future__ import annotations

import io

import nbformat

from twin.core.progress import tqdm
from twin.course.notebook_runner import notebook_client


def _saved_texts(code: str) -> list[str]:
    """Run ``code`` in a real kernel, as a notebook cell, and return the saved text copies of its displays."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(code)]
    notebook_client(notebook, timeout=120, kernel_name="python3").execute()
    return [o["data"]["text/plain"] for o in notebook.cells[0].outputs if o.get("output_type") == "display_data"]


def test_a_saved_notebook_shows_each_bar_as_it_ended_not_its_first_frame():
    texts = _saved_texts(
        "from twin.core.progress import tqdm\n"
        "for _ in tqdm(range(40), desc='stand-ins', unit='stand-in'):\n"
        "    pass\n"
        "bar = tqdm(total=5, desc='runs')\n"
        "bar.update(3)\n"
        "bar.close()  # stopped early: the saved copy says 3 of 5, as the bar did\n"
        "for _ in tqdm(range(3), desc='hidden', disable=True):\n"
        "    pass\n"
    )
    assert len(texts) == 2, texts  # a disabled bar shows nothing
    assert texts[0].startswith("stand-ins: 100%") and "40/40" in texts[0], texts[0]
    assert texts[1].startswith("runs:  60%") and "3/5" in texts[1], texts[1]


def test_outside_a_notebook_it_is_tqdms_text_bar():
    out = io.StringIO()
    for _ in tqdm(range(4), desc="steps", file=out, mininterval=0):
        pass
    assert "steps: 100%" in out.getvalue() and "4/4" in out.getvalue()
