"""Training loop with fixed seeds, best-epoch selection on validation, and metrics.

Why so fixed: the committed model.onnx must be reproducible byte for byte by
re-running build.py, so every source of randomness is seeded, the thread count
is pinned and torch is asked for deterministic kernels.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

import recipe_common
from dataset import LABELS, Split

THREADS = 2


@dataclass(frozen=True)
class TrainConfig:
    """Adam + cosine decay; the defaults are what build.py ships."""

    seed: int = 20261121
    epochs: int = 10
    batch_size: int = 32
    lr: float = 3e-3
    weight_decay: float = 1e-4


@dataclass
class TrainResult:
    """Best weights (by validation accuracy, then loss) and the per-epoch history."""

    best_epoch: int
    best_state: dict
    history: list[dict] = field(default_factory=list)


def set_determinism(seed: int) -> None:
    """Seed torch, pin threads and request deterministic algorithms."""
    recipe_common.set_determinism(seed, THREADS)


@torch.no_grad()
def predict_proba(model: nn.Module, x: np.ndarray, batch_size: int = 200) -> np.ndarray:
    """Model outputs (n, 2) float64 in eval mode, batched to bound memory."""
    model.eval()
    outs = [model(torch.from_numpy(np.ascontiguousarray(x[i:i + batch_size]))).numpy()
            for i in range(0, x.shape[0], batch_size)]
    return np.concatenate(outs).astype(np.float64)


def evaluate_loss(model: nn.Module, split: Split) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) on a split."""
    proba = predict_proba(model, split.x)
    nll = -np.log(np.clip(proba[np.arange(len(split.y)), split.y], 1e-12, 1.0))
    return float(nll.mean()), float(np.mean(proba.argmax(axis=1) == split.y))


def train_model(model: nn.Module, train: Split, val: Split, cfg: TrainConfig, log=print) -> TrainResult:
    """Mini-batch Adam on cross-entropy; keeps the state of the best validation epoch."""
    set_determinism(cfg.seed)
    rng = np.random.default_rng([cfg.seed, 1])
    x_all, y_all = torch.from_numpy(train.x), torch.from_numpy(train.y)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    steps = cfg.epochs * math.ceil(len(train.y) / cfg.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=steps, pct_start=0.2)
    loss_fn = nn.CrossEntropyLoss()
    result = TrainResult(best_epoch=-1, best_state={})
    best_key = (-1.0, math.inf)
    for epoch in range(1, cfg.epochs + 1):
        order = torch.from_numpy(rng.permutation(len(train.y)))
        train_loss = recipe_common.train_epoch(model, opt, sched, loss_fn, order, cfg.batch_size,
                                               lambda idx: (x_all[idx], y_all[idx]))
        val_loss, val_acc = evaluate_loss(model, val)
        row = {"epoch": epoch, "trainLoss": train_loss, "valLoss": val_loss, "valAccuracy": val_acc}
        result.history.append(row)
        log(f"epoch {epoch:2d} train_loss {row['trainLoss']:.4f} val_loss {val_loss:.4f} val_acc {val_acc:.4f}")
        if (val_acc, -val_loss) > (best_key[0], -best_key[1]):
            best_key = (val_acc, val_loss)
            result.best_epoch, result.best_state = epoch, copy.deepcopy(model.state_dict())
    model.load_state_dict(result.best_state)
    model.eval()
    return result


def classification_report(y_true: np.ndarray, proba: np.ndarray) -> dict:
    """n, accuracy, confusionMatrix[true][pred] and per-class precision/recall/F1."""
    pred = proba.argmax(axis=1)
    cm = np.zeros((2, 2), dtype=np.int64)
    np.add.at(cm, (y_true, pred), 1)
    per_class = {}
    for k, name in enumerate(LABELS):
        tp, fp, fn = cm[k, k], cm[:, k].sum() - cm[k, k], cm[k, :].sum() - cm[k, k]
        precision = float(tp / (tp + fp)) if tp + fp else 0.0
        recall = float(tp / (tp + fn)) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[name] = {"precision": precision, "recall": recall, "f1": float(f1)}
    return {"n": int(len(y_true)), "accuracy": float(np.trace(cm) / len(y_true)),
            "confusionMatrix": cm.tolist(), "perClass": per_class}
