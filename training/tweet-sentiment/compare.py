#!/usr/bin/python3
"""The comparison table, generated from a run record (runs/<UTC timestamp>.json).

    /usr/bin/python3 training/tweet-sentiment/compare.py [RUN.json] [--readme]

Prints the Markdown tables (finalists; tuning grid; deployed model per class;
documentation examples). With --readme, rewrites the generated sections of
README.md between the `<!-- generated:NAME -->` / `<!-- /generated:NAME -->`
markers. Default run: the newest file in runs/.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

RECIPE_DIR = Path(__file__).resolve().parent
RUNS_DIR = RECIPE_DIR / "runs"
FAMILY_NAMES = {
    "tfidf-logreg": "TF-IDF + logistic regression",
    "cnn-learned": "CNN, embeddings learned end to end",
    "cnn-w2v-frozen": "CNN, word2vec embeddings (frozen)",
    "cnn-w2v-finetuned": "CNN, word2vec embeddings (fine-tuned)",
}
LABELS = ("negative", "neutral", "positive")


def describe(rec: dict) -> str:
    p = rec["params"]
    if rec["family"] == "tfidf-logreg":
        return (f"C={p['C']:g}, {'uni+bigrams' if p['ngramMax'] == 2 else 'unigrams'}, "
                f"class weight {p['classWeight'] or 'none'}")
    return (f"min count {p['minCount']}, embed {p['embedDim']}, {p['filters']} filters × k{'/'.join(map(str, p['kernels']))}, "
            f"dropout {p['dropout']:g}" + (", balanced class weights" if p.get("classWeight") else ""))


def comparison_table(run: dict) -> str:
    rows = ["| model | chosen configuration (on validation) | val macro-F1 | test accuracy | test macro-F1 | "
            "training time | served size | latency batch 1 | latency batch 64 |",
            "|---|---|---|---|---|---|---|---|---|"]
    finalists = [r for r in run["runs"] if r.get("finalist")]
    for rec in finalists:
        lat = rec["latency"]
        name = FAMILY_NAMES[rec["family"]] + (" **(deployed)**" if rec.get("deployed") else "")
        rows.append(f"| {name} | {describe(rec)} | {rec['validation']['macroF1']:.4f} | "
                    f"{rec['test']['accuracy']:.4f} | {rec['test']['macroF1']:.4f} | {rec['trainSeconds']:.1f} s | "
                    f"{rec['servedBytes'] / 1e6:.2f} MB | {lat['batch1MsPerTweet']:.3f} ms | "
                    f"{lat['batch64MsPerTweet']:.4f} ms |")
    build = run["build"]
    notes = [
        "",
        f"Run record `runs/{build['timestampUtc']}.json` · data sha256 `{build['data']['sha256']}` · "
        f"test n = {finalists[0]['test']['n']} · build wall time {build['wallSeconds']:.0f} s on the shared 2-core "
        "machine (1 torch thread).",
        "Training time: fit on the training split (word2vec training included for the word2vec rows). "
        "Served size: `model.onnx` + `vocab.json` for the CNNs; the pickled scikit-learn pipeline (which holds "
        "its own vocabulary) for the baseline, which the gateway cannot serve. Latency: median per tweet; CNNs "
        "in onnxruntime-node (1 intra-op thread) from token ids; the baseline in scikit-learn from raw text "
        f"(tokenizing included). Tokenizing alone costs {build['pythonTokenizerMsPerTweet']:.3f} ms per tweet "
        "in Python.",
    ]
    return "\n".join(rows + notes)


def grid_table(run: dict) -> str:
    rows = ["| run | model | configuration | val accuracy | val macro-F1 | best epoch | training time |",
            "|---|---|---|---|---|---|---|"]
    for rec in run["runs"]:
        mark = " ← chosen" if rec.get("finalist") else ""
        rows.append(f"| {rec['id']} | {rec['family']} | {describe(rec)}{mark} | {rec['validation']['accuracy']:.4f} | "
                    f"{rec['validation']['macroF1']:.4f} | {rec.get('bestEpoch', '–')} | {rec['trainSeconds']:.1f} s |")
    return "\n".join(rows)


def per_class_table(run: dict) -> str:
    ev = run["build"]["deployedEvaluation"]
    test = ev["test"]
    rows = ["| test class | support | precision | recall | F1 |", "|---|---|---|---|---|"]
    for name in LABELS:
        c = test["perClass"][name]
        rows.append(f"| {name} | {c['support']} | {c['precision']:.3f} | {c['recall']:.3f} | {c['f1']:.3f} |")
    cm = test["confusionMatrix"]
    rows += ["", f"Test (n = {test['n']}): accuracy **{test['accuracy']:.4f}**, macro-F1 **{test['macroF1']:.4f}**; "
             f"validation (n = {ev['validation']['n']}): accuracy {ev['validation']['accuracy']:.4f}, macro-F1 "
             f"{ev['validation']['macroF1']:.4f}; held-out subset (n = {ev['heldout']['n']}): accuracy "
             f"{ev['heldout']['accuracy']:.4f}. Measured through onnxruntime-node on the exported file "
             f"(max |ONNX Runtime − PyTorch| = {run['build']['onnxruntimeVsTorchMaxAbsDiff']:.1e}).",
             "", "Confusion matrix on test (rows true, columns predicted; negative, neutral, positive): "
             f"`{cm}`."]
    return "\n".join(rows)


def tokens_cell(tokens: list[str]) -> str:
    return f"`{' '.join(tokens)}`" if tokens else "*(none)*"


def examples_table(run: dict) -> str:
    rows = ["| text (written for the docs) | tokens | predicted | probabilities (neg, neu, pos) |",
            "|---|---|---|---|"]
    for ex in run["build"]["docExamples"]:
        text = ex["text"].replace("|", "\\|") or "*(empty)*"
        rows.append(f"| {text} | {tokens_cell(ex['tokens'])} | {ex['label']} | "
                    f"{', '.join(f'{p:.3f}' for p in ex['probabilities'])} |")
    return "\n".join(rows)


def summary(run: dict) -> str:
    """Which family wins on test, and what was deployed (honest when the baseline wins)."""
    finalists = [r for r in run["runs"] if r.get("finalist")]
    best = max(finalists, key=lambda r: r["test"]["macroF1"])
    deployed = next(r for r in run["runs"] if r.get("deployed"))
    neural = [r for r in finalists if r["family"] != "tfidf-logreg"]
    lr = next(r for r in finalists if r["family"] == "tfidf-logreg")
    best_neural = max(neural, key=lambda r: r["test"]["macroF1"])
    text = [f"Best on test macro-F1: **{FAMILY_NAMES[best['family']]}** ({best['test']['macroF1']:.4f})."]
    if best["family"] == "tfidf-logreg":
        text.append(f"The baseline beats every CNN here (best CNN: {FAMILY_NAMES[best_neural['family']]}, "
                    f"{best_neural['test']['macroF1']:.4f}; gap {lr['test']['macroF1'] - best_neural['test']['macroF1']:.4f}). "
                    "It is still the CNN that is deployed, because the gateway serves ONNX and the TF-IDF pipeline "
                    "is not exported.")
    else:
        text.append(f"The best CNN beats the TF-IDF baseline by {best['test']['macroF1'] - lr['test']['macroF1']:+.4f} "
                    "macro-F1 on test.")
    text.append(f"Deployed: run `{deployed['id']}` ({FAMILY_NAMES[deployed['family']]}, {describe(deployed)}), the "
                "neural run with the best **validation** macro-F1; test scores played no part in any choice.")
    return " ".join(text)


SECTIONS = {"comparison": comparison_table, "summary": summary, "grid": grid_table, "per-class": per_class_table,
            "examples": examples_table}


def update_readme(readme: Path, run: dict, run_name: str | None = None) -> None:
    """Replace each `<!-- generated:NAME -->...<!-- /generated:NAME -->` block present in the README."""
    text = readme.read_text(encoding="utf-8")
    for name, fn in SECTIONS.items():
        pattern = re.compile(rf"(<!-- generated:{name} -->\n).*?(<!-- /generated:{name} -->)", re.S)
        text = pattern.sub(lambda m, body=fn(run): m.group(1) + body + "\n" + m.group(2), text)
    readme.write_text(text, encoding="utf-8")


def latest_run(runs_dir: Path = RUNS_DIR) -> Path:
    files = sorted(runs_dir.glob("*.json"))
    if not files:
        raise FileNotFoundError(f"no run record in {runs_dir}; run build.py first")
    return files[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", nargs="?", type=Path, help="run record (default: newest in runs/)")
    parser.add_argument("--readme", action="store_true", help="rewrite README.md's generated sections")
    args = parser.parse_args(argv)
    path = args.run or latest_run()
    run = json.loads(path.read_text())
    if args.readme:
        update_readme(RECIPE_DIR / "README.md", run, path.name)
    for name, fn in SECTIONS.items():
        print(f"## {name}\n\n{fn(run)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
