"""Training, metrics, word2vec and the baseline: deterministic and correct on known cases."""
from __future__ import annotations

import numpy as np
import torch

from conftest import tiny_corpus
from network import TweetCNN
from tokenizer import Vocabulary, tokenize
from train import TrainConfig, classification_report, set_determinism, tfidf_logreg, train_model, word2vec_matrix


def test_classification_report_on_known_confusion() -> None:
    y = np.array([0, 0, 0, 1, 1, 2, 2, 2])
    pred = np.array([0, 0, 1, 1, 2, 2, 2, 0])
    r = classification_report(y, pred)
    assert r["n"] == 8 and r["accuracy"] == 5 / 8
    assert r["confusionMatrix"] == [[2, 1, 0], [0, 1, 1], [1, 0, 2]]
    neg = r["perClass"]["negative"]
    assert neg["precision"] == 2 / 3 and neg["recall"] == 2 / 3 and neg["support"] == 3
    f1s = [c["f1"] for c in r["perClass"].values()]
    assert np.isclose(r["macroF1"], np.mean(f1s))
    proba = np.eye(3)[pred]
    assert classification_report(y, proba) == r


def test_best_epoch_is_restored_and_training_deterministic(tiny_data) -> None:
    def run():
        set_determinism(11)
        model = TweetCNN(len(tiny_data["vocab"]), embed_dim=4, filters=4, kernels=(3,))
        result = train_model(model, tiny_data["train"]["x"], tiny_data["train"]["y"], tiny_data["validation"]["x"],
                             tiny_data["validation"]["y"], TrainConfig(seed=11, epochs=2, batch_size=64),
                             log=lambda _m: None)
        return model, result

    (a, ra), (b, rb) = run(), run()
    for key, value in a.state_dict().items():
        assert torch.equal(value, b.state_dict()[key]), key
    best = max(ra.history, key=lambda h: (h["valMacroF1"], -h["valLoss"]))
    assert ra.best_epoch == best["epoch"] and ra.history == rb.history


def test_balanced_class_weight_runs(tiny_data) -> None:
    set_determinism(2)
    model = TweetCNN(len(tiny_data["vocab"]), embed_dim=4, filters=4, kernels=(3,))
    train_model(model, tiny_data["train"]["x"][:128], tiny_data["train"]["y"][:128], tiny_data["validation"]["x"],
                tiny_data["validation"]["y"], TrainConfig(seed=2, epochs=1, class_weight="balanced"),
                log=lambda _m: None)


def test_word2vec_is_deterministic_and_aligned(tiny_data) -> None:
    texts, _ = tiny_corpus(300, 9)
    tokens = [tokenize(t) for t in texts]
    vocab = Vocabulary.build(tokens, 2)
    a = word2vec_matrix(tokens, vocab, 8, seed=3, epochs=2)
    b = word2vec_matrix(tokens, vocab, 8, seed=3, epochs=2)
    assert a.shape == (len(vocab), 8) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert not a[0].any() and a[1].any()  # <pad> zero, <unk> learned


def test_tfidf_baseline_learns_the_tiny_corpus() -> None:
    texts, y = tiny_corpus(400, 1)
    pipe = tfidf_logreg(C=4.0, ngram_max=2, class_weight=None, seed=0).fit(texts[:300], y[:300])
    assert classification_report(y[300:], pipe.predict_proba(texts[300:]))["accuracy"] > 0.8
