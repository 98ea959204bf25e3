"""describe() for a file that could not be written: the system's reason and the file, no
'unexpected error'; unwritable() finds that reason after a Qt writer only said it failed, as
save_png (the dashboard's and the Gantt chart's PNG export) does."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from desktop.export_file import save_png, unwritable
from desktop.messages import describe


def test_a_missing_folder_is_named_with_the_reason(tmp_path: Path) -> None:
    target = tmp_path / "gone" / "plan.pdf"
    error = unwritable(target)
    assert isinstance(error, FileNotFoundError)
    assert describe(error) == f"No such file or directory: {target}"
    assert not target.exists()


def test_a_writable_file_a_writer_refused_still_names_the_file(tmp_path: Path) -> None:
    target = tmp_path / "plan.pdf"
    assert describe(unwritable(target)) == f"could not be written: {target}"


def test_an_os_error_without_a_file_stays_unexpected() -> None:
    assert describe(OSError("boom")).startswith("Unexpected error: OSError: boom")


def test_save_png_writes_a_png_or_says_why_not(tmp_path: Path) -> None:
    image = QImage(8, 4, QImage.Format.Format_RGB32)
    image.fill(0x336699)
    written = save_png(image, tmp_path / "chart")
    assert written == tmp_path / "chart.png"
    assert written.read_bytes().startswith(b"\x89PNG")
    with pytest.raises(FileNotFoundError) as caught:
        save_png(image, tmp_path / "gone" / "chart.png")
    assert describe(caught.value) == f"No such file or directory: {tmp_path / 'gone' / 'chart.png'}"
