"""Shared fixtures: the recipe folder on sys.path, a tiny synthetic corpus, a tiny trained CNN, node runners.

Why synthetic text here: the tests must run without the real CSV (it is not in the repository), and in a few
seconds; tests that need the real CSV or the built artefacts skip with the reason when they are absent.
Nothing here writes outside pytest's tmp dirs.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

RECIPE_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = RECIPE_DIR.parents[1]
sys.path.insert(0, str(RECIPE_DIR.parent / "tools"))  # recipe_common, ort_run.js
sys.path.insert(0, str(RECIPE_DIR))

import recipe_common  # noqa: E402
from data import DEFAULT_DATA  # noqa: E402
from network import TweetCNN  # noqa: E402
from tokenizer import Vocabulary, encode_all, tokenize  # noqa: E402
from train import TrainConfig, set_determinism, train_model  # noqa: E402

DATA_CSV = Path(os.environ.get("TWEET_SENTIMENT_DATA", DEFAULT_DATA))
ARTEFACT_DIR = Path(os.environ.get("TWEET_SENTIMENT_ARTEFACTS", "/work/staging/tweet-sentiment/1"))
TINY_SEED = 5
TINY_LENGTH = 12

NEG = ["delayed", "cancelled", "lost", "rude", "worst", "terrible", "stuck", "broken"]
NEU = ["what", "when", "does", "which", "gate", "schedule", "question", "tomorrow"]
POS = ["thanks", "great", "amazing", "love", "awesome", "best", "kind", "smooth"]
FILLER = ["the", "flight", "my", "bag", "crew", "to", "boston", "seat", "and", "a"]


def tiny_corpus(n: int, seed: int) -> tuple[list[str], np.ndarray]:
    """Invented tweets: filler words plus 1-3 words of the label's list (and sometimes @user, numbers, !)."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for i in range(n):
        label = int(rng.integers(3))
        cue = (NEG, NEU, POS)[label]
        words = list(rng.choice(FILLER, size=int(rng.integers(2, 8)))) + list(rng.choice(cue, size=int(rng.integers(1, 4))))
        rng.shuffle(words)
        prefix = "@SkyHighAir " if i % 2 else ""
        suffix = [" !", " ?", f" {int(rng.integers(100))}", ""][i % 4]
        texts.append(prefix + " ".join(words) + suffix)
        labels.append(label)
    return texts, np.array(labels, dtype=np.int64)


@pytest.fixture(scope="session")
def tiny_data() -> dict:
    """600 train / 150 validation / 150 test invented tweets, a min-count-2 vocabulary, ids of length 12."""
    out = {}
    texts, labels = tiny_corpus(900, TINY_SEED)
    parts = {"train": slice(0, 600), "validation": slice(600, 750), "test": slice(750, 900)}
    tokens = {k: [tokenize(t) for t in texts[s]] for k, s in parts.items()}
    vocab = Vocabulary.build(tokens["train"], 2)
    for k, s in parts.items():
        out[k] = {"x": encode_all(vocab, tokens[k], TINY_LENGTH), "y": labels[s], "texts": texts[s]}
    out["vocab"] = vocab
    return out


@pytest.fixture(scope="session")
def tiny_model(tiny_data) -> TweetCNN:
    """A CNN (embed 8, 8 filters) trained for 4 epochs on the tiny corpus (~1 s)."""
    set_determinism(TINY_SEED)
    model = TweetCNN(len(tiny_data["vocab"]), embed_dim=8, filters=8, kernels=(3,), dropout=0.1)
    train_model(model, tiny_data["train"]["x"], tiny_data["train"]["y"], tiny_data["validation"]["x"],
                tiny_data["validation"]["y"], TrainConfig(seed=TINY_SEED, epochs=4, batch_size=32, lr=1e-2),
                log=lambda _m: None)
    return model


def require_node() -> str:
    """The node binary with onnxruntime-node resolvable, or FAIL (never skip): CI has both."""
    try:
        return recipe_common.node_with_onnxruntime()
    except recipe_common.RuntimeUnavailable as err:
        pytest.fail(f"the ONNX Runtime and tokenizer-parity tests need Node.js >= 20 and `npm ci`: {err}")


def js_tokenize(items: list) -> list[dict]:
    """Run tokenizer_ref.js on strings or {"text", "vocab", "maxLength"} objects."""
    node = require_node()
    payload = "".join(json.dumps(i) + "\n" for i in items)
    proc = subprocess.run([node, str(RECIPE_DIR / "tokenizer_ref.js")], input=payload.encode("utf-8"),
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    return [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]


def require_csv() -> Path:
    if not DATA_CSV.is_file():
        pytest.skip(f"real data {DATA_CSV} absent (it is not in the repository; see README, Data; "
                    "set TWEET_SENTIMENT_DATA to its path)")
    return DATA_CSV


def require_artefacts() -> Path:
    if not (ARTEFACT_DIR / "manifest.json").is_file():
        pytest.skip(f"built artefacts {ARTEFACT_DIR} absent (run build.py, or set TWEET_SENTIMENT_ARTEFACTS)")
    return ARTEFACT_DIR
