"""Lecture mode: the projected notebooks carry slide marks that follow their headings, and export to slides."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from twin.course import slides

ROOT = Path(__file__).resolve().parents[1]


def test_headings_start_slides_and_everything_else_continues_them():
    cells = [
        nbformat.v4.new_markdown_cell("# Title\ntext"),
        nbformat.v4.new_markdown_cell("## 1 · A section"),
        nbformat.v4.new_markdown_cell("### 1.1 · A subsection"),
        nbformat.v4.new_markdown_cell("Prose with a # inside, and #### a deep heading is prose here"),
        nbformat.v4.new_markdown_cell("#### Deep heading"),
        nbformat.v4.new_code_cell("## not a heading, a comment"),
    ]
    assert [slides.slide_type(c) for c in cells] == ["slide", "slide", "subslide", "-", "-", "-"]
    notebook = nbformat.v4.new_notebook(cells=cells)
    assert slides.mark_slides(notebook) is True
    assert slides.mark_slides(notebook) is False, "marking twice changes nothing"


def test_a_marked_notebook_exports_one_reveal_section_per_slide(tmp_path):
    source = ROOT / slides.LECTURE_NOTEBOOKS[0]
    notebook = nbformat.read(source, as_version=4)
    slides.mark_slides(notebook)
    marked = tmp_path / source.name
    nbformat.write(notebook, marked)
    done = subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "slides", str(marked), "--output-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    page = (tmp_path / f"{source.stem}.slides.html").read_text()
    top_level = sum(slides.slide_type(c) == "slide" for c in notebook.cells)
    assert top_level >= 3
    # reveal.js: each slide is an outer <section>, holding one inner <section> per sub-slide
    assert page.count("<section>") >= top_level + sum(slides.slide_type(c) == "subslide" for c in notebook.cells)
    assert re.search(r"Reveal\.initialize", page)


def test_lecture_mode_refuses_a_missing_notebook(tmp_path, capsys):
    assert slides.main([str(tmp_path / "nowhere.ipynb")]) == 2
    assert "no such notebook" in capsys.readouterr().err


@pytest.mark.parametrize("name", slides.LECTURE_NOTEBOOKS)
def test_the_projected_notebooks_carry_up_to_date_slide_marks(name):
    path = ROOT / name
    if not path.is_file():
        pytest.skip(f"{name} is not in the course yet")
    assert slides.main(["--check", str(path)]) == 0, f"run `twin-lecture-mode {name}` after editing its headings"


def test_mistakes_get_one_line_errors_and_leave_every_notebook_as_it_was(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # not the course folder: none of the lecture notebooks is here
    assert slides.main([]) == 2
    assert "run it from the course folder" in capsys.readouterr().err
    good = tmp_path / "good.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title")]), good)
    before = good.read_text()
    for text, problem in [("{not json", "not a readable Jupyter notebook"), ('{"x": 1}', "not a readable Jupyter")]:
        (tmp_path / "bad.ipynb").write_text(text)
        assert slides.main([str(good), "bad.ipynb"]) == 2
        err = capsys.readouterr().err
        assert problem in err and "bad.ipynb" in err and "Traceback" not in err
        assert good.read_text() == before, "a notebook was changed although the run stopped"
    assert slides.main([str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert slides.main([str(good)]) == 0
    assert nbformat.read(good, as_version=4).cells[0].metadata.slideshow.slide_type == "slide"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.ipynb", "good.ipynb"]  # no temporary file left
