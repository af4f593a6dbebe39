"""The built version folder (models/digits/1 once copied there, or DIGITS_ARTEFACT_DIR): hashes, parity, bar.

Skipped while the folder does not exist: build.py writes to /work/staging/digits/1, outside the repository.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from export import sha256_file


def test_hash_and_size_match_manifest(artefact_dir: Path) -> None:
    m = json.loads((artefact_dir / "manifest.json").read_text())
    path = artefact_dir / m["file"]
    assert sha256_file(path) == m["sha256"] and path.stat().st_size == m["sizeBytes"]


def test_heldout_parity_and_accuracy_in_runtime(artefact_dir: Path, ort_run, tmp_path: Path) -> None:
    m = json.loads((artefact_dir / "manifest.json").read_text())
    x = np.load(artefact_dir / m["heldout"]["inputs"])
    y = np.load(artefact_dir / m["heldout"]["labels"])
    expected = np.load(artefact_dir / m["heldout"]["expectedOutputs"])
    assert len(y) >= 1000
    got = ort_run(artefact_dir / m["file"], x, tmp_path)
    assert float(np.abs(got - expected).max()) < 1e-5
    accuracy = float(np.mean(got.argmax(axis=1) == y))
    assert accuracy == m["evaluation"]["heldout"]["accuracy"] and m["evaluation"]["test"]["accuracy"] >= 0.98
