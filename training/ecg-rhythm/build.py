#!/usr/bin/python3
"""End-to-end, deterministic build of models/ecg-rhythm/1/ (or, with --model large, models/ecg-rhythm-large/1/).

    /usr/bin/python3 training/ecg-rhythm/build.py [--model small|large] [--out DIR]

Generates the synthetic data, validates it, trains, evaluates, refuses to ship
a model below MIN_TEST_ACCURACY, exports ONNX, writes the held-out set and the
manifest. Why one script: the committed artefacts must be re-creatable by a
single command with no hidden state.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))  # recipe_common
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dataset import SPLITS, DatasetConfig, build_splits, class_balance, validate_splits  # noqa: E402
from export import build_manifest, export_onnx, reference_statistics, write_heldout, write_manifest  # noqa: E402
from network import EcgRhythmNet, EcgRhythmResNet, count_parameters  # noqa: E402
from train import TrainConfig, classification_report, predict_proba, set_determinism, train_model  # noqa: E402

SEED = 20261121
MIN_TEST_ACCURACY = 0.97
MODELS = Path(__file__).resolve().parents[2] / "models"
# The two shipped variants: the small CNN (overhead-bound when served) and the ResNet (compute-bound).
VARIANTS = {
    "small": {"name": "ecg-rhythm", "network": EcgRhythmNet, "epochs": 10,
              "description": "1-D CNN classifying 10 s single-lead ECGs sampled at 500 Hz: "
                             "normal sinus rhythm vs atrial fibrillation."},
    "large": {"name": "ecg-rhythm-large", "network": EcgRhythmResNet, "epochs": 8,
              "description": "ResNet-style 1-D network (about 3 million parameters) classifying 10 s single-lead "
                             "ECGs sampled at 500 Hz: normal sinus rhythm vs atrial fibrillation."},
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(VARIANTS), default="small", help="which network to build")
    parser.add_argument("--out", type=Path, default=None, help="output version directory")
    args = parser.parse_args(argv)
    variant = VARIANTS[args.model]
    out: Path = args.out or MODELS / variant["name"] / "1"
    started = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {msg}", flush=True)

    set_determinism(SEED)
    splits = build_splits(DatasetConfig(seed=SEED))
    validate_splits(splits)
    log("data: " + ", ".join(f"{n} {len(s.y)} records / {len(np.unique(s.subjects))} subjects"
                              for n, s in splits.items()))

    set_determinism(SEED)
    model = variant["network"]()
    log(f"model: {count_parameters(model)} parameters")
    cfg = TrainConfig(seed=SEED, epochs=variant["epochs"])
    result = train_model(model, splits["train"], splits["validation"], cfg, log=log)
    log(f"best epoch {result.best_epoch}")

    test, val = splits["test"], splits["validation"]
    test_proba = predict_proba(model, test.x)
    test_report = classification_report(test.y, test_proba)
    val_report = classification_report(val.y, predict_proba(model, val.x))
    log(f"validation accuracy {val_report['accuracy']:.4f}, test accuracy {test_report['accuracy']:.4f}, "
        f"test confusion {test_report['confusionMatrix']}")
    if test_report["accuracy"] < MIN_TEST_ACCURACY:
        log(f"FAIL: test accuracy below {MIN_TEST_ACCURACY}; improve data or model, do not ship")
        return 1

    out.mkdir(parents=True, exist_ok=True)
    model_path = out / "model.onnx"
    export_onnx(model, model_path, label=f"infergraph {variant['name']}: {variant['description']}")
    write_heldout(out / "heldout", test.x, test.y, test_proba)
    reference = reference_statistics(splits["train"].x, predict_proba(model, splits["train"].x))
    dataset = {
        "subjects": {n: int(len(np.unique(splits[n].subjects))) for n in SPLITS},
        "records": {n: int(len(splits[n].y)) for n in SPLITS},
        "classBalance": {n: class_balance(splits[n].y) for n in SPLITS},
    }
    manifest = build_manifest(model_path, name=variant["name"], description=variant["description"],
                              recipe_command=f"training/ecg-rhythm/build.py --model {args.model}",
                              seed=SEED, epochs=cfg.epochs, dataset=dataset, test=test_report,
                              validation={"n": val_report["n"], "accuracy": val_report["accuracy"]},
                              reference=reference)
    write_manifest(out / "manifest.json", manifest)
    log(f"wrote {model_path} ({manifest['sizeBytes']} bytes, sha256 {manifest['sha256']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
