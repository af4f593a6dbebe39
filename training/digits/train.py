"""Training loop with fixed seeds, fresh augmentation every epoch, best-epoch selection on validation, metrics.

Why so fixed: re-running build.py must give the same model.onnx byte for byte on the same machine, so every
source of randomness is seeded (numpy for the order, one torch.Generator for the augmentation, torch's global
seed for initialisation and dropout), the thread count is pinned to 1 and torch is asked for deterministic
kernels.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

import recipe_common
from augment import AugmentConfig, augment, to_model_input
from data import LABELS, Split

THREADS = 1


@dataclass(frozen=True)
class TrainConfig:
    """AdamW + one-cycle; the defaults are what build.py ships."""

    seed: int = 20261206
    epochs: int = 14
    batch_size: int = 64
    lr: float = 4e-3
    weight_decay: float = 5e-4
    label_smoothing: float = 0.05
    augment: AugmentConfig = AugmentConfig()


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
def predict_proba(model: nn.Module, x: np.ndarray | torch.Tensor, batch_size: int = 500) -> np.ndarray:
    """Model outputs (n, 10) float64 in eval mode for float (n, 1, 28, 28) inputs, batched."""
    model.eval()
    t = torch.as_tensor(x).to(torch.float32)
    outs = [model(t[i:i + batch_size]).numpy() for i in range(0, t.shape[0], batch_size)]
    return np.concatenate(outs).astype(np.float64)


def evaluate(model: nn.Module, x: np.ndarray | torch.Tensor, y: np.ndarray) -> tuple[float, float]:
    """(mean cross-entropy, accuracy)."""
    proba = predict_proba(model, x)
    nll = -np.log(np.clip(proba[np.arange(len(y)), y], 1e-12, 1.0))
    return float(nll.mean()), float(np.mean(proba.argmax(axis=1) == y))


def train_model(model: nn.Module, train: Split, val: Split, cfg: TrainConfig, log=print) -> TrainResult:
    """Mini-batch AdamW on cross-entropy over freshly augmented batches; keeps the best validation epoch.

    Validation is scored twice per epoch: clean (MNIST as is) and augmented with a fixed generator (the same
    perturbed copy every epoch); selection uses the mean of the two accuracies, then the clean loss.
    """
    set_determinism(cfg.seed)
    order_rng = np.random.default_rng([cfg.seed, 1])
    g = torch.Generator().manual_seed(cfg.seed + 2)
    x_u8, y_all = torch.from_numpy(train.x), torch.from_numpy(train.y)
    val_clean = to_model_input(val.x)
    val_aug = augment(val.x, torch.Generator().manual_seed(cfg.seed + 3), cfg.augment)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    steps = cfg.epochs * math.ceil(len(train.y) / cfg.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=steps, pct_start=0.2)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=cfg.label_smoothing)
    result = TrainResult(best_epoch=-1, best_state={})
    best_key = (-1.0, -math.inf)
    for epoch in range(1, cfg.epochs + 1):
        order = torch.from_numpy(order_rng.permutation(len(train.y)))
        train_loss = recipe_common.train_epoch(model, opt, sched, loss_fn, order, cfg.batch_size,
                                               lambda idx: (augment(x_u8[idx], g, cfg.augment), y_all[idx]))
        val_loss, val_acc = evaluate(model, val_clean, val.y)
        _, val_aug_acc = evaluate(model, val_aug, val.y)
        row = {"epoch": epoch, "trainLoss": train_loss, "valLoss": val_loss, "valAccuracy": val_acc,
               "valAugmentedAccuracy": val_aug_acc}
        result.history.append(row)
        log(f"epoch {epoch:2d} train_loss {row['trainLoss']:.4f} val_loss {val_loss:.4f} val_acc {val_acc:.4f} "
            f"val_aug_acc {val_aug_acc:.4f}")
        key = ((val_acc + val_aug_acc) / 2, -val_loss)
        if key > best_key:
            best_key = key
            result.best_epoch, result.best_state = epoch, copy.deepcopy(model.state_dict())
    model.load_state_dict(result.best_state)
    model.eval()
    return result


def classification_report(y_true: np.ndarray, proba: np.ndarray) -> dict:
    """n, accuracy, confusionMatrix[true][pred] and per-class n/precision/recall/F1."""
    pred = proba.argmax(axis=1)
    k = len(LABELS)
    cm = np.zeros((k, k), dtype=np.int64)
    np.add.at(cm, (y_true, pred), 1)
    per_class = {}
    for c, name in enumerate(LABELS):
        tp, fp, fn = cm[c, c], cm[:, c].sum() - cm[c, c], cm[c, :].sum() - cm[c, c]
        precision = float(tp / (tp + fp)) if tp + fp else 0.0
        recall = float(tp / (tp + fn)) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[name] = {"n": int(cm[c].sum()), "precision": precision, "recall": recall, "f1": float(f1)}
    return {"n": int(len(y_true)), "accuracy": float(np.trace(cm) / len(y_true)),
            "confusionMatrix": cm.tolist(), "perClass": per_class}
