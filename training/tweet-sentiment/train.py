"""Training (seeded, single-threaded), word2vec embeddings, the TF-IDF baseline and the metrics.

Why single-threaded and deterministic: the machine's two cores are shared,
and the shipped model must be re-creatable by re-running build.py.
"""
from __future__ import annotations

import copy
import hashlib
import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch import nn

import recipe_common
from data import LABELS

THREADS = 1


def set_determinism(seed: int) -> None:
    recipe_common.set_determinism(seed, THREADS)


# ---------------------------------------------------------------- metrics

def classification_report(y_true: np.ndarray, proba_or_pred: np.ndarray) -> dict:
    """n, accuracy, macroF1, confusionMatrix[true][pred], per-class precision/recall/F1/support."""
    pred = proba_or_pred.argmax(axis=1) if proba_or_pred.ndim == 2 else proba_or_pred
    k = len(LABELS)
    cm = np.zeros((k, k), dtype=np.int64)
    np.add.at(cm, (np.asarray(y_true), np.asarray(pred)), 1)
    per_class = {}
    for i, name in enumerate(LABELS):
        tp, fp, fn = cm[i, i], cm[:, i].sum() - cm[i, i], cm[i, :].sum() - cm[i, i]
        precision = float(tp / (tp + fp)) if tp + fp else 0.0
        recall = float(tp / (tp + fn)) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[name] = {"precision": precision, "recall": recall, "f1": float(f1), "support": int(cm[i].sum())}
    n = int(cm.sum())
    return {"n": n, "accuracy": float(np.trace(cm) / n) if n else 0.0,
            "macroF1": float(np.mean([c["f1"] for c in per_class.values()])),
            "confusionMatrix": cm.tolist(), "perClass": per_class}


# ---------------------------------------------------------------- neural training

@dataclass(frozen=True)
class TrainConfig:
    """Adam with one-cycle decay; the epoch with the best validation macro-F1 (then loss) is kept."""

    seed: int = 20261121
    epochs: int = 8
    batch_size: int = 64
    lr: float = 3e-3
    weight_decay: float = 0.0
    class_weight: str | None = None  # "balanced": cross-entropy weights n / (k * count_k), as scikit-learn's


@dataclass
class TrainResult:
    best_epoch: int
    seconds: float
    history: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@torch.no_grad()
def predict_proba(model: nn.Module, ids: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """(n, 3) probabilities (float32 from the network, returned as float64)."""
    model.eval()
    outs = [model(torch.from_numpy(np.ascontiguousarray(ids[i:i + batch_size]))).numpy()
            for i in range(0, ids.shape[0], batch_size)]
    return np.concatenate(outs).astype(np.float64) if outs else np.zeros((0, len(LABELS)))


def train_model(model: nn.Module, x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray, y_val: np.ndarray,
                cfg: TrainConfig, log=print) -> TrainResult:
    """Mini-batch Adam on cross-entropy; restores the best validation epoch's weights."""
    set_determinism(cfg.seed)
    started = time.perf_counter()
    rng = np.random.default_rng([cfg.seed, 1])
    x_all, y_all = torch.from_numpy(x_train), torch.from_numpy(y_train)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    steps = cfg.epochs * math.ceil(len(y_train) / cfg.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=steps, pct_start=0.25)
    weight = None
    if cfg.class_weight == "balanced":
        counts = np.bincount(y_train, minlength=len(LABELS)).astype(np.float64)
        weight = torch.tensor(len(y_train) / (len(LABELS) * np.maximum(counts, 1)), dtype=torch.float32)
    elif cfg.class_weight is not None:
        raise ValueError(f"class_weight {cfg.class_weight!r}")
    loss_fn = nn.CrossEntropyLoss(weight=weight)
    result = TrainResult(best_epoch=-1, seconds=0.0)
    best_key, best_state = (-1.0, -math.inf), None
    for epoch in range(1, cfg.epochs + 1):
        order = torch.from_numpy(rng.permutation(len(y_train)))
        train_loss = recipe_common.train_epoch(model, opt, sched, loss_fn, order, cfg.batch_size,
                                               lambda idx: (x_all[idx], y_all[idx]))
        proba = predict_proba(model, x_val)
        val_loss = float(-np.log(np.clip(proba[np.arange(len(y_val)), y_val], 1e-12, 1.0)).mean())
        report = classification_report(y_val, proba)
        row = {"epoch": epoch, "trainLoss": train_loss, "valLoss": val_loss,
               "valAccuracy": report["accuracy"], "valMacroF1": report["macroF1"]}
        result.history.append(row)
        log(f"  epoch {epoch:2d} train_loss {row['trainLoss']:.4f} val_loss {val_loss:.4f} "
            f"val_acc {report['accuracy']:.4f} val_macroF1 {report['macroF1']:.4f}")
        if (report["macroF1"], -val_loss) > best_key:
            best_key = (report["macroF1"], -val_loss)
            result.best_epoch, best_state = epoch, copy.deepcopy(model.state_dict())
    model.load_state_dict(best_state)
    model.eval()
    result.seconds = time.perf_counter() - started
    return result


# ---------------------------------------------------------------- word2vec

def _stable_hash(text: str) -> int:
    """gensim's default hashfxn is Python's salted hash(); this one is the same in every process."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "little")


def word2vec_matrix(token_lists, vocab, dim: int, seed: int, epochs: int = 15, window: int = 5) -> np.ndarray:
    """Skip-gram word2vec (gensim, 1 worker) on the training split's tokens with out-of-vocabulary -> <unk>.

    Returns a (len(vocab), dim) float32 matrix in vocabulary order; row 0 (<pad>) is zero; a vocabulary token
    word2vec never saw (impossible with min_count=1 here, kept for safety) gets a small seeded random vector.
    """
    from gensim.models import Word2Vec

    sentences = [[t if t in vocab.index else "<unk>" for t in tokens] for tokens in token_lists]
    sentences = [s for s in sentences if s]
    w2v = Word2Vec(sentences=sentences, vector_size=dim, window=window, min_count=1, sg=1, negative=5,
                   epochs=epochs, workers=1, seed=seed, hashfxn=_stable_hash)
    rng = np.random.default_rng([seed, 5])
    matrix = rng.normal(0.0, 0.1, size=(len(vocab), dim)).astype(np.float32)
    for i, token in enumerate(vocab.tokens):
        if token in w2v.wv.key_to_index:
            matrix[i] = w2v.wv[token]
    matrix[0] = 0.0
    return matrix


# ---------------------------------------------------------------- baseline

def tfidf_logreg(C: float, ngram_max: int, class_weight: str | None, seed: int):
    """TF-IDF (the same tokenizer, uni- or uni+bigrams, sublinear tf) + multinomial logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from tokenizer import tokenize

    return make_pipeline(
        TfidfVectorizer(tokenizer=tokenize, lowercase=False, token_pattern=None, ngram_range=(1, ngram_max),
                        sublinear_tf=True, min_df=1),
        LogisticRegression(C=C, max_iter=3000, class_weight=class_weight, random_state=seed),
    )
