"""The parts of ``takt --self-test`` that do not need the main window: the demo camera through
the torch-free detector, and the lazily imported solver and machine-learning libraries."""

from __future__ import annotations

import sys

from desktop.self_test import CAMERA_FRAMES, _demo_camera_check, _library_check


def test_the_demo_camera_runs_through_the_onnx_detector() -> None:
    torch_before = "torch" in sys.modules
    camera = _demo_camera_check()
    assert camera["model"] == "yolov8n-320.onnx"
    assert camera["frames"] == CAMERA_FRAMES
    persons = camera["persons_per_frame"]
    assert isinstance(persons, list)
    assert len(persons) == CAMERA_FRAMES
    assert any(persons)  # the clip shows a worker: the detector found someone
    assert camera["torch_loaded"] is torch_before  # the ONNX path does not load torch


def test_the_solver_and_machine_learning_libraries_work() -> None:
    versions = _library_check()
    assert set(versions) == {"ortools", "scikit-learn"}
    assert all(v != "?" for v in versions.values())
