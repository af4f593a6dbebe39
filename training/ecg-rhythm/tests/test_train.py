"""Training: a short run learns, runs are reproducible, metrics are computed correctly."""
from __future__ import annotations

import numpy as np
import torch

from network import EcgRhythmNet
from train import TrainConfig, classification_report, predict_proba, set_determinism, train_model


def test_short_training_run_learns(trained_small, small_splits) -> None:
    model, result = trained_small
    losses = [h["trainLoss"] for h in result.history]
    assert losses[-1] < 0.5 * losses[0], f"training loss did not fall: {losses}"
    for name in ("validation", "test"):
        report = classification_report(small_splits[name].y, predict_proba(model, small_splits[name].x))
        assert report["accuracy"] >= 0.8, f"{name} accuracy {report['accuracy']} is not clearly above chance"


def test_best_epoch_is_the_best_validation_epoch(trained_small, small_splits) -> None:
    model, result = trained_small
    best = max(result.history, key=lambda h: (h["valAccuracy"], -h["valLoss"]))
    assert result.best_epoch == best["epoch"]
    proba = predict_proba(model, small_splits["validation"].x)
    assert np.mean(proba.argmax(1) == small_splits["validation"].y) == best["valAccuracy"]


def test_training_is_deterministic(small_splits) -> None:
    def run() -> dict[str, torch.Tensor]:
        set_determinism(11)
        model = EcgRhythmNet(width=4)
        train_model(model, small_splits["train"], small_splits["validation"],
                    TrainConfig(seed=11, epochs=1, batch_size=32), log=lambda _: None)
        return model.state_dict()

    a, b = run(), run()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_classification_report_on_known_confusion() -> None:
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    pred = np.array([0, 0, 0, 1, 1, 1, 0, 0])
    proba = np.stack([1.0 - pred, pred.astype(float)], axis=1)
    r = classification_report(y, proba)
    assert r["n"] == 8 and r["accuracy"] == 5 / 8
    assert r["confusionMatrix"] == [[3, 1], [2, 2]]
    assert r["perClass"]["normal"] == {"precision": 3 / 5, "recall": 3 / 4, "f1": 2 * 0.6 * 0.75 / 1.35}
    assert r["perClass"]["atrial_fibrillation"]["precision"] == 2 / 3
    assert r["perClass"]["atrial_fibrillation"]["recall"] == 0.5
