"""describe() for a file that could not be written: the system's reason and the file, no
'unexpected error'; unwritable() finds that reason after a Qt writer only said it failed."""

from __future__ import annotations

from pathlib import Path

from desktop.export_file import unwritable
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
