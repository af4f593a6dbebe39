#!/usr/bin/python3
"""Deterministic build of the tweet-sentiment model: compare models, deploy the best neural one.

    /usr/bin/python3 training/tweet-sentiment/build.py [--data PATH] [--out DIR] [--runs DIR] [--no-readme]

Reads the airline-tweets CSV (never copied into the repository), de-duplicates
and splits it, builds the vocabulary, tunes a TF-IDF + logistic-regression
baseline and the CNN variants (learned embeddings, word2vec frozen, word2vec
fine-tuned) on validation, evaluates each family's validation-best model on
test, exports the best neural model to ONNX and writes model.onnx, vocab.json,
manifest.json and heldout/*.npy into DIR, one run record into runs/ and the
comparison table into README.md. Why one script: every committed number must
be re-creatable by one command with no hidden state.
"""
from __future__ import annotations

import argparse
import atexit
import datetime as dt
import os
import pickle
import shutil
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RECIPE_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(RECIPE_DIR.parent / "tools"))  # recipe_common
sys.path.insert(0, str(RECIPE_DIR))

import compare  # noqa: E402
from data import DEFAULT_DATA, LABELS, REPO_ROOT, SPLITS, load_dataset  # noqa: E402
from export import (build_manifest, export_onnx, ort_bench, ort_run, reference_statistics, sha256_file,  # noqa: E402
                    write_heldout, write_json)
from network import TweetCNN, count_parameters  # noqa: E402
from tokenizer import NAME as TOKENIZER_NAME, Vocabulary, encode_all  # noqa: E402
from train import (TrainConfig, classification_report, predict_proba, set_determinism, tfidf_logreg,  # noqa: E402
                   train_model, word2vec_matrix)

SEED = 20261121
DEFAULT_OUT = Path("/work/staging/tweet-sentiment/1")
RUNS_DIR = RECIPE_DIR / "runs"
HELDOUT_N = 1000
MIN_TEST_ACCURACY, MIN_TEST_MACRO_F1 = 0.75, 0.65  # majority class alone: accuracy 0.64, macro-F1 0.26
DESCRIPTION = ("Sentiment of English tweets addressed to US airlines (negative, neutral, positive): "
               "word embeddings + 1-D CNN with masked max-pooling, trained on the Twitter US Airline Sentiment "
               "data (February 2015). Input: token ids from the infergraph-words-1 tokenizer.")

LR_GRID = [{"C": c, "ngramMax": n, "classWeight": w}
           for c in (1.0, 2.0, 4.0, 8.0) for n in (1, 2) for w in (None, "balanced")]
CNN_BASE = {"embedDim": 64, "filters": 64, "kernels": [3, 5], "dropout": 0.5, "classWeight": None, "epochs": 10,
            "batchSize": 64, "lr": 3e-3}
MIN_COUNTS = (2, 3, 5)  # 1 is not tried: a token seen once is noise, and could single out one person's tweet
EMBED_DIMS = (64, 128)
W2V = {"window": 5, "epochs": 15, "sg": 1, "negative": 5}
FAMILIES = ("tfidf-logreg", "cnn-learned", "cnn-w2v-frozen", "cnn-w2v-finetuned")

# Written for the documentation (not from the data set): what the README shows the deployed model doing.
DOC_EXAMPLES = [
    "@SkyHighAir thank you for rebooking me so fast, the crew was amazing!",
    "@SkyHighAir my flight was delayed 3 hours and nobody told us anything. Worst service ever",
    "@SkyHighAir what time does the first flight to Boston leave tomorrow?",
    "@SkyHighAir great, another lost bag. Just what I needed...",
    "@SkyHighAir Café au lait &amp; a smooth landing 😊 http://t.co/xyz",
    "",
]


def choose_max_length(token_lists) -> int:
    """99th percentile of the training split's token counts, rounded up to a multiple of 8."""
    p99 = float(np.percentile([len(t) for t in token_lists], 99))
    return int(8 * np.ceil(p99 / 8))


def library_versions() -> dict:
    import gensim
    import onnx
    import sklearn
    import torch

    return {"python": platform.python_version(), "torch": torch.__version__, "onnx": onnx.__version__,
            "numpy": np.__version__, "sklearn": sklearn.__version__, "gensim": gensim.__version__}


def median_ms_per_tweet(fn, batches: list, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        for batch in batches:
            t0 = time.perf_counter()
            fn(batch)
            times.append((time.perf_counter() - t0) * 1e3 / len(batch))
    return float(statistics.median(times))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="tweets.csv (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="version directory (default: %(default)s)")
    parser.add_argument("--runs", type=Path, default=RUNS_DIR, help="where the run record goes")
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite README.md's generated sections")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {msg}", flush=True)

    set_determinism(SEED)
    data = load_dataset(args.data, SEED)
    sp = data.splits
    log(f"data {args.data} sha256 {data.sha256}: {data.stats['rows']} rows -> {data.stats['examples']} examples; "
        + ", ".join(f"{n} {len(sp[n])}" for n in SPLITS))
    tokens = {n: [list(e.tokens) for e in sp[n]] for n in SPLITS}
    y = {n: np.array([e.label for e in sp[n]], dtype=np.int64) for n in SPLITS}
    texts = {n: [e.text for e in sp[n]] for n in SPLITS}
    max_length = choose_max_length(tokens["train"])
    log(f"maxLength {max_length} (training p99 rounded up to a multiple of 8)")
    versions = library_versions()
    records: list[dict] = []
    trained: dict[str, object] = {}
    tmp = Path(tempfile.mkdtemp(prefix="tweet-sentiment-"))  # per-run exports, removed at exit
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)

    def record(run_id: str, family: str, params: dict, seconds: float, val: dict, **extra) -> dict:
        rec = {"id": run_id, "family": family, "params": params, "dataSha256": data.sha256, "seed": SEED,
               "trainSeconds": round(seconds, 3),
               "validation": {"accuracy": val["accuracy"], "macroF1": val["macroF1"]}, **extra}
        records.append(rec)
        return rec

    # ------------------------------------------------------------ baseline: TF-IDF + logistic regression
    features: dict[int, tuple] = {}  # TF-IDF fitted once per n-gram range, shared by the C / class-weight grid
    for i, params in enumerate(LR_GRID):
        t0 = time.perf_counter()
        if params["ngramMax"] not in features:
            vec = tfidf_logreg(1.0, params["ngramMax"], None, SEED)[0]
            xt = vec.fit_transform(texts["train"])
            features[params["ngramMax"]] = (vec, xt, vec.transform(texts["validation"]), time.perf_counter() - t0)
            t0 = time.perf_counter()
        vec, x_tr, x_va, vec_seconds = features[params["ngramMax"]]
        pipe = tfidf_logreg(params["C"], params["ngramMax"], params["classWeight"], SEED)
        pipe.steps[0] = (pipe.steps[0][0], vec)
        pipe[1].fit(x_tr, y["train"])
        seconds = time.perf_counter() - t0 + vec_seconds
        val = classification_report(y["validation"], pipe[1].predict_proba(x_va))
        blob = pickle.dumps(pipe, protocol=4)
        run_id = f"lr-{i:02d}"
        record(run_id, "tfidf-logreg", params, seconds, val, servedBytes=len(blob),
               artefacts={"pipeline.pkl": {"bytes": len(blob), "sha256": sha256_bytes(blob)}},
               features=len(vec.vocabulary_))
        trained[run_id] = pipe
    best_lr = best_of(records, "tfidf-logreg")
    log(f"tfidf-logreg: {len(LR_GRID)} configurations, best {best_lr['params']} "
        f"val macroF1 {best_lr['validation']['macroF1']:.4f}")

    # ------------------------------------------------------------ neural
    vocabs: dict[int, Vocabulary] = {}
    w2v_cache: dict[tuple[int, int], tuple[np.ndarray, float]] = {}

    def vocab_for(min_count: int) -> Vocabulary:
        if min_count not in vocabs:
            vocabs[min_count] = Vocabulary.build(tokens["train"], min_count)
        return vocabs[min_count]

    def run_cnn(family: str, params: dict) -> dict:
        vocab = vocab_for(params["minCount"])
        x_tr, x_va = (encode_all(vocab, tokens[n], max_length) for n in ("train", "validation"))
        pretrained, w2v_seconds = None, 0.0
        if family != "cnn-learned":
            key = (params["minCount"], params["embedDim"])
            if key not in w2v_cache:
                t0 = time.perf_counter()
                w2v_cache[key] = (word2vec_matrix(tokens["train"], vocab, params["embedDim"], SEED,
                                                  epochs=W2V["epochs"], window=W2V["window"]),
                                  time.perf_counter() - t0)
            pretrained, w2v_seconds = w2v_cache[key]
        set_determinism(SEED)
        model = TweetCNN(len(vocab), params["embedDim"], params["filters"], tuple(params["kernels"]),
                         params["dropout"], pretrained=pretrained, freeze=family == "cnn-w2v-frozen")
        cfg = TrainConfig(seed=SEED, epochs=params["epochs"], batch_size=params["batchSize"], lr=params["lr"],
                          class_weight=params["classWeight"])
        result = train_model(model, x_tr, y["train"], x_va, y["validation"], cfg, log=lambda _m: None)
        val = classification_report(y["validation"], predict_proba(model, x_va))
        run_id = f"cnn-{len([r for r in records if r['family'] != 'tfidf-logreg']):02d}"
        onnx_path = tmp / f"{run_id}.onnx"
        export_onnx(model, onnx_path, max_length)
        vocab_bytes = vocab.to_json().encode("utf-8")
        rec = record(run_id, family, {**params, "maxLength": max_length,
                                      **({"word2vec": W2V} if pretrained is not None else {})},
                     result.seconds + w2v_seconds, val,
                     word2vecSeconds=round(w2v_seconds, 3), bestEpoch=result.best_epoch,
                     history=result.history, parameters=count_parameters(model),
                     trainableParameters=count_parameters(model, trainable_only=True),
                     vocabularySize=len(vocab),
                     servedBytes=onnx_path.stat().st_size + len(vocab_bytes),
                     artefacts={"model.onnx": {"bytes": onnx_path.stat().st_size, "sha256": sha256_file(onnx_path)},
                                "vocab.json": {"bytes": len(vocab_bytes), "sha256": sha256_bytes(vocab_bytes)}})
        trained[run_id] = (model, vocab, onnx_path)
        log(f"{run_id} {family} minCount {params['minCount']} embed {params['embedDim']} filters "
            f"{params['filters']} dropout {params['dropout']} classWeight {params['classWeight']}: val macroF1 {val['macroF1']:.4f} "
            f"acc {val['accuracy']:.4f} (epoch {result.best_epoch}, {rec['trainSeconds']:.1f}s)")
        return rec

    for min_count in MIN_COUNTS:  # stage 1: vocabulary cut-off, then embedding size, learned embeddings
        run_cnn("cnn-learned", {**CNN_BASE, "minCount": min_count})
    min_count = best_of(records, "cnn-learned")["params"]["minCount"]
    for dim in EMBED_DIMS[1:]:
        run_cnn("cnn-learned", {**CNN_BASE, "minCount": min_count, "embedDim": dim})
    for family in ("cnn-w2v-frozen", "cnn-w2v-finetuned"):  # stage 2: word2vec, same vocabulary, both sizes
        for dim in EMBED_DIMS:
            run_cnn(family, {**CNN_BASE, "minCount": min_count, "embedDim": dim})
    neural = [r for r in records if r["family"] != "tfidf-logreg"]
    lead = max(neural, key=val_key)  # stage 3: width, dropout, class weighting around the best neural run
    base = {k: v for k, v in lead["params"].items() if k not in ("maxLength", "word2vec")}
    for change in ({"filters": 2 * base["filters"]}, {"dropout": 0.3}, {"classWeight": "balanced"}):
        run_cnn(lead["family"], {**base, **change})

    # ------------------------------------------------------------ finalists on test, latency
    finalists = [best_of(records, f) for f in FAMILIES]
    bench_texts = texts["test"][:320]
    for rec in finalists:
        rec["finalist"] = True
        obj = trained[rec["id"]]
        if rec["family"] == "tfidf-logreg":
            rec["test"] = classification_report(y["test"], obj.predict_proba(texts["test"]))
            rec["latency"] = {
                "runtime": "scikit-learn (Python, from raw text: tokenizer + TF-IDF + logistic regression)",
                "batch1MsPerTweet": median_ms_per_tweet(obj.predict_proba, [[t] for t in bench_texts[:200]]),
                "batch64MsPerTweet": median_ms_per_tweet(obj.predict_proba,
                                                         [bench_texts[i:i + 64] for i in range(0, 320, 64)])}
        else:
            model, vocab, onnx_path = obj
            x_te = encode_all(vocab, tokens["test"], max_length)
            rec["test"] = classification_report(y["test"], ort_run(onnx_path, x_te))
            rec["latency"] = {"runtime": "onnxruntime-node 1 thread, from token ids",
                              **ort_bench(onnx_path, x_te[:1024])}
        log(f"finalist {rec['id']} {rec['family']}: test acc {rec['test']['accuracy']:.4f} "
            f"macroF1 {rec['test']['macroF1']:.4f}; latency {rec['latency']}")

    # ------------------------------------------------------------ deploy the validation-best neural model
    neural = [r for r in records if r["family"] != "tfidf-logreg"]
    chosen = max(neural, key=val_key)
    chosen["deployed"] = True
    model, vocab, onnx_tmp = trained[chosen["id"]]
    x = {n: encode_all(vocab, tokens[n], max_length) for n in SPLITS}
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    model_path = out / "model.onnx"
    export_onnx(model, model_path, max_length, label=f"infergraph tweet-sentiment: {DESCRIPTION}")
    vocab.save(out / "vocab.json")
    test_out = ort_run(model_path, x["test"])
    val_out = ort_run(model_path, x["validation"])
    torch_diff = float(np.abs(test_out - predict_proba(model, x["test"])).max())
    test_report = classification_report(y["test"], test_out)
    val_report = classification_report(y["validation"], val_out)
    log(f"deploy {chosen['id']} ({chosen['family']}): test acc {test_report['accuracy']:.4f} macroF1 "
        f"{test_report['macroF1']:.4f}; onnxruntime vs torch max |diff| {torch_diff:.2e}")
    if test_report["accuracy"] < MIN_TEST_ACCURACY or test_report["macroF1"] < MIN_TEST_MACRO_F1:
        log(f"FAIL: below accuracy {MIN_TEST_ACCURACY} / macro-F1 {MIN_TEST_MACRO_F1}; not shipping")
        return 1

    rng = np.random.default_rng([SEED, 9])
    pick = np.sort(rng.choice(len(y["test"]), size=min(HELDOUT_N, len(y["test"])), replace=False))
    write_heldout(out / "heldout", x["test"][pick], y["test"][pick], test_out[pick])
    held_report = classification_report(y["test"][pick], test_out[pick])
    train_out = ort_run(model_path, x["train"])
    reference = reference_statistics(tokens["train"], vocab, y["train"], train_out, max_length)
    p = chosen["params"]
    hyper = {"model": chosen["family"], "minCount": p["minCount"], "vocabularySize": len(vocab),
             "maxLength": max_length, "embedDim": p["embedDim"], "filters": p["filters"], "kernels": p["kernels"],
             "dropout": p["dropout"], "classWeight": p["classWeight"], "epochs": p["epochs"], "bestEpoch": chosen["bestEpoch"],
             "batchSize": p["batchSize"], "lr": p["lr"], "optimizer": "Adam, one-cycle",
             **({"word2vec": p["word2vec"]} if "word2vec" in p else {}),
             "selectedBy": "validation macro-F1", "parameters": chosen["parameters"]}
    dataset = {"rows": data.stats["rows"], "examples": data.stats["examples"],
               "duplicateRowsMerged": data.stats["duplicateRowsMerged"],
               "conflictingGroups": data.stats["conflictingGroups"],
               "tiedGroupsDropped": data.stats["tiedGroupsDropped"],
               "split": data.stats["split"], "classMix": data.stats["classMix"],
               "splitRule": "stratified 70/15/15 on examples de-duplicated by token sequence"}
    manifest = build_manifest(
        model_path, description=DESCRIPTION, max_length=max_length, seed=SEED,
        recipe="training/tweet-sentiment/build.py", data_sha256=data.sha256, dataset=dataset,
        hyperparameters=hyper, test=test_report,
        validation={"n": val_report["n"], "accuracy": val_report["accuracy"], "macroF1": val_report["macroF1"]},
        heldout={"inputs": "heldout/inputs.npy", "labels": "heldout/labels.npy",
                 "expectedOutputs": "heldout/expected_outputs.npy", "n": int(len(pick)),
                 "accuracy": held_report["accuracy"], "macroF1": held_report["macroF1"]},
        reference=reference)
    write_json(out / "manifest.json", manifest)

    examples = []
    ex_ids = np.array([vocab.encode(t, max_length) for t in DOC_EXAMPLES], dtype=np.int64)
    ex_out = ort_run(model_path, ex_ids)
    for text, ids, probs in zip(DOC_EXAMPLES, ex_ids, ex_out):
        from tokenizer import tokenize
        examples.append({"text": text, "tokens": tokenize(text), "ids": [int(i) for i in ids],
                         "probabilities": [round(float(v), 4) for v in probs], "label": LABELS[int(probs.argmax())]})
    tok_batches = [[t] for t in texts["test"][:500]]
    tokenizer_ms = median_ms_per_tweet(lambda b: vocab.encode(b[0], max_length), tok_batches)

    artefacts = {str(f.relative_to(out)): {"bytes": f.stat().st_size, "sha256": sha256_file(f)}
                 for f in sorted(out.rglob("*")) if f.is_file()}
    wall = time.perf_counter() - started
    run_record = {
        "build": {"timestampUtc": stamp, "recipe": "training/tweet-sentiment/build.py", "seed": SEED,
                  "data": {"path": display_path(args.data), "sha256": data.sha256, **data.stats},
                  "maxLength": max_length, "tokenizer": TOKENIZER_NAME,
                  "pythonTokenizerMsPerTweet": tokenizer_ms, "libraries": versions,
                  "machine": {"platform": platform.platform(), "torchThreads": 1},
                  "wallSeconds": round(wall, 1), "out": str(out), "deployed": chosen["id"],
                  "onnxruntimeVsTorchMaxAbsDiff": torch_diff, "artefacts": artefacts,
                  "deployedEvaluation": {"test": test_report, "validation": val_report, "heldout": held_report},
                  "docExamples": examples},
        "runs": records,
    }
    args.runs.mkdir(parents=True, exist_ok=True)
    run_path = args.runs / f"{stamp}.json"
    write_json(run_path, run_record)
    if not args.no_readme:
        compare.update_readme(RECIPE_DIR / "README.md", run_record, run_path.name)
    log(f"wrote {out} (model.onnx {manifest['sizeBytes']} bytes, sha256 {manifest['sha256']}) and {run_path}")
    log(f"build wall time {wall:.1f}s")
    return 0


def val_key(rec: dict) -> tuple:
    """Validation macro-F1, then accuracy, then fewer served bytes (a deterministic total order)."""
    return (rec["validation"]["macroF1"], rec["validation"]["accuracy"], -rec["servedBytes"])


def best_of(records: list[dict], family: str) -> dict:
    return max((r for r in records if r["family"] == family), key=val_key)


def sha256_bytes(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def display_path(path: Path) -> str:
    """The data path as given relative to the repository root (../shared/... by default)."""
    return Path(os.path.relpath(Path(path).resolve(), REPO_ROOT)).as_posix()


if __name__ == "__main__":
    sys.exit(main())
