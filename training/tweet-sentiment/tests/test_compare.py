"""compare.py renders the tables from a run record and rewrites only README's generated sections."""
from __future__ import annotations

import json
from pathlib import Path

import compare
from conftest import RECIPE_DIR


def fake_run() -> dict:
    per = {k: {"precision": 0.8, "recall": 0.7, "f1": 0.75, "support": 10} for k in compare.LABELS}
    report = {"n": 30, "accuracy": 0.8, "macroF1": 0.75, "confusionMatrix": [[8, 1, 1], [1, 8, 1], [1, 1, 8]],
              "perClass": per}
    lat = {"batch1MsPerTweet": 0.05, "batch64MsPerTweet": 0.01}
    runs = [
        {"id": "lr-00", "family": "tfidf-logreg", "params": {"C": 2.0, "ngramMax": 2, "classWeight": None},
         "validation": {"accuracy": 0.8, "macroF1": 0.7}, "trainSeconds": 1.0, "servedBytes": 10, "finalist": True,
         "test": report, "latency": lat},
        {"id": "cnn-00", "family": "cnn-learned", "params": {"minCount": 2, "embedDim": 64, "filters": 64,
                                                             "kernels": [3, 5], "dropout": 0.5, "classWeight": None},
         "validation": {"accuracy": 0.8, "macroF1": 0.72}, "trainSeconds": 9.0, "servedBytes": 10**6,
         "finalist": True, "deployed": True, "bestEpoch": 4, "test": report, "latency": lat},
    ]
    build = {"timestampUtc": "20260101T000000Z", "data": {"sha256": "a" * 64}, "wallSeconds": 100.0,
             "pythonTokenizerMsPerTweet": 0.01, "onnxruntimeVsTorchMaxAbsDiff": 1e-7,
             "deployedEvaluation": {"test": report, "validation": report, "heldout": report},
             "docExamples": [{"text": "a | b", "tokens": ["a", "b"], "probabilities": [0.1, 0.2, 0.7],
                              "label": "positive"}]}
    return {"build": build, "runs": runs}


def test_comparison_table_has_one_row_per_finalist() -> None:
    table = compare.comparison_table(fake_run())
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 3 and "**(deployed)**" in rows[2] and "C=2, uni+bigrams" in rows[1]


def test_update_readme_replaces_only_marked_sections(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- generated:comparison -->\nOLD-CONTENT\n<!-- /generated:comparison -->\noutro\n")
    compare.update_readme(readme, fake_run())
    text = readme.read_text()
    assert text.startswith("intro\n") and text.endswith("outro\n") and "OLD-CONTENT" not in text
    assert "TF-IDF + logistic regression" in text
    readme.write_text("<!-- generated:summary -->\n<!-- /generated:summary -->\n")  # an empty section fills too
    compare.update_readme(readme, fake_run())
    compare.update_readme(readme, fake_run())  # idempotent
    assert readme.read_text() == "<!-- generated:summary -->\n" + compare.summary(fake_run()) + "\n<!-- /generated:summary -->\n"


def test_readme_has_every_generated_section() -> None:
    text = (RECIPE_DIR / "README.md").read_text(encoding="utf-8")
    for name in compare.SECTIONS:
        assert f"<!-- generated:{name} -->" in text and f"<!-- /generated:{name} -->" in text, name


def test_committed_run_records_render() -> None:
    for path in sorted((RECIPE_DIR / "runs").glob("*.json")):
        run = json.loads(path.read_text())
        assert all(r["dataSha256"] == run["build"]["data"]["sha256"] for r in run["runs"])
        for fn in compare.SECTIONS.values():
            assert fn(run)
