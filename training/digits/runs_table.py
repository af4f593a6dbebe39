#!/usr/bin/python3
"""Markdown table of every build run recorded in training/digits/runs/*.json (newest last).

    /usr/bin/python3 training/digits/runs_table.py [--runs DIR]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

RUNS_DIR = Path(__file__).resolve().parent / "runs"
COLUMNS = ("run (UTC)", "command", "epochs", "best", "test acc", "other-origin acc", "validation acc",
           "wall s", "model.onnx sha256")


def load_records(directory: Path = RUNS_DIR) -> list[dict]:
    """All run records, sorted by file name (the UTC timestamp)."""
    return [json.loads(p.read_text()) for p in sorted(Path(directory).glob("*.json"))]


def row(record: dict) -> list[str]:
    """One table row of a run record."""
    params, metrics = record["parameters"], record["metrics"]
    model = record.get("artefacts", {}).get("model.onnx", {}).get("sha256", "")
    return [record["startedAt"], f"`{record['command']}`", str(params["epochs"]), str(params["bestEpoch"]),
            f"{metrics['test']['accuracy']:.4f} (n={metrics['test']['n']})",
            f"{metrics['otherOrigin']['accuracy']:.4f} (n={metrics['otherOrigin']['n']})",
            f"{metrics['validation']['accuracy']:.4f}", f"{record['durationSeconds']:.0f}",
            f"`{model[:12]}`" if model else ""]


def markdown_table(records: list[dict]) -> str:
    """The Markdown table (header, separator, one row per record)."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row(r)) + " |" for r in records]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, default=RUNS_DIR)
    args = parser.parse_args(argv)
    sys.stdout.write(markdown_table(load_records(args.runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
