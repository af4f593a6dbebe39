"""Shared fixtures: the recipe folder on sys.path, small generated data, a tiny trained model, an ORT runner.

Why session-scoped: generating data and training even a tiny model costs
seconds; sharing them keeps the whole suite well under 90 s on 2 cores.
Nothing here writes to the committed artefacts; temporary files go to tmp dirs.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

RECIPE_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = RECIPE_DIR.parents[1]
# The served artefacts live apart from the training code, in the folder the gateway scans.
ARTEFACT_DIR = REPO_ROOT / "models" / "ecg-rhythm" / "1"
sys.path.insert(0, str(RECIPE_DIR.parent / "tools"))  # recipe_common, ort_run.js
sys.path.insert(0, str(RECIPE_DIR))

from dataset import DatasetConfig, Split, build_splits  # noqa: E402
from network import EcgRhythmNet  # noqa: E402
from train import TrainConfig, TrainResult, set_determinism, train_model  # noqa: E402
import recipe_common  # noqa: E402
from recipe_common import ORT_RUN  # noqa: E402, F401 (used by test_ort.py)

SMALL_SEED = 7


@pytest.fixture(scope="session")
def artefact_dir() -> Path:
    """models/ecg-rhythm/1 (read only in tests)."""
    return ARTEFACT_DIR


@pytest.fixture(scope="session")
def manifest() -> dict:
    """The committed manifest.json."""
    return json.loads((ARTEFACT_DIR / "manifest.json").read_text())


@pytest.fixture(scope="session")
def small_splits() -> dict[str, Split]:
    """36 subjects x 8 records: 192 train / 48 validation / 48 test, generated in ~1 s."""
    return build_splits(DatasetConfig(seed=SMALL_SEED, subjects=(24, 6, 6), records_per_class=4))


@pytest.fixture(scope="session")
def trained_small(small_splits: dict[str, Split]) -> tuple[EcgRhythmNet, TrainResult]:
    """A width-8 network trained for 8 quick epochs on small_splits."""
    set_determinism(SMALL_SEED)
    model = EcgRhythmNet(width=8)
    cfg = TrainConfig(seed=SMALL_SEED, epochs=8, batch_size=16, lr=1e-2)
    result = train_model(model, small_splits["train"], small_splits["validation"], cfg, log=lambda _: None)
    return model, result


def _require_node_runtime() -> str:
    """Return the node binary, or FAIL (never skip): CI must have node and onnxruntime-node."""
    try:
        return recipe_common.node_with_onnxruntime()
    except recipe_common.RuntimeUnavailable as err:
        pytest.fail(f"the ONNX Runtime agreement tests need Node.js >= 20 and onnxruntime-node (CI installs "
                    f"both): {err}")


@pytest.fixture(scope="session")
def ort_run() -> Callable[[Path, np.ndarray, Path], np.ndarray]:
    """Run a model on an array through ort_run.js (onnxruntime-node) and return its output.

    The runtime check happens inside the test call so a missing node is a FAILED test, not an ERROR.
    """

    def run(model: Path, x: np.ndarray, workdir: Path) -> np.ndarray:
        _require_node_runtime()
        return recipe_common.ort_run(model, x, workdir)

    return run
