"""Output folders and files of the instructor's tools: checked before the work starts, written whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def prepare_output_folder(out: Path, what: str) -> None:
    """Make the folder ``out`` (for ``what``, e.g. "the grades") and make sure this process can write there; raise
    ``OSError`` with a message naming the problem and ``--out`` otherwise. Called before any long work starts."""
    existing = next((path for path in (out, *out.parents) if path.exists()), None)
    if existing is not None and not existing.is_dir():
        where = "" if existing == out else f" (it would go inside {existing}, which is a file)"
        raise NotADirectoryError(
            f"{existing if existing == out else out} is not a folder{where}: pass --out with a folder for {what}."
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".probe-"):
            pass
    except OSError as error:
        raise PermissionError(
            f"cannot write {what} into {out} ({error.strerror or error}): pass --out with a folder you can write to."
        ) from error


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` under a temporary name, then rename it: a stopped run leaves the old file or the
    new one, never half of one."""
    temporary = path.with_name(path.name + ".partial")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
