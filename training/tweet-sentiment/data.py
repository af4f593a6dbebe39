"""Reading the airline-tweets CSV, de-duplication and the stratified train/validation/test split.

Why de-duplicate on the token sequence: two tweets that the model sees as the
same input (a retweet, "@united thanks!" vs "@delta thanks!", a copy with a
different URL) would otherwise land in two splits and flatter the test score.
So rows are grouped by their token sequence (a leading "rt <user>" removed),
each group becomes one example, and the split assigns examples, never rows.
"""
from __future__ import annotations

import csv
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tokenizer import tokenize

LABELS = ("negative", "neutral", "positive")
SPLITS = ("train", "validation", "test")
FRACTIONS = (0.70, 0.15, 0.15)
COLUMNS = ("tweet_id", "airline_sentiment", "airline", "text", "tweet_created")
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "airline-tweets" / "tweets.csv"


class DataValidationError(ValueError):
    """The CSV or a split breaks a rule the recipe depends on."""


@dataclass(frozen=True)
class Example:
    """One de-duplicated example: its text (first occurrence), tokens, label and source row count."""

    text: str
    tokens: tuple[str, ...]
    label: int
    rows: int = 1


@dataclass
class Dataset:
    """Splits of examples plus the provenance the manifest and run records report."""

    splits: dict[str, list[Example]]
    sha256: str
    stats: dict = field(default_factory=dict)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_rows(path: Path) -> list[tuple[str, int]]:
    """(text, label id) per CSV row; raises DataValidationError on a bad header or label."""
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise DataValidationError(f"{path}: columns {reader.fieldnames}, expected {list(COLUMNS)}")
        rows = []
        for i, row in enumerate(reader, start=2):
            if row["airline_sentiment"] not in LABELS:
                raise DataValidationError(f"{path}:{i}: label {row['airline_sentiment']!r}")
            rows.append((row["text"], LABELS.index(row["airline_sentiment"])))
    return rows


def dedup_key(tokens: list[str]) -> tuple[str, ...]:
    """The identity used for de-duplication: the tokens, without a leading retweet marker "rt <user>"."""
    if tokens[:2] == ["rt", "<user>"]:
        tokens = tokens[2:]
    return tuple(tokens)


def deduplicate(rows: list[tuple[str, int]]) -> tuple[list[Example], dict]:
    """One example per key; label = majority of the group's labels; a group whose top labels tie is dropped."""
    groups: dict[tuple[str, ...], list[tuple[str, list[str], int]]] = {}
    for text, label in rows:
        tokens = tokenize(text)
        groups.setdefault(dedup_key(tokens), []).append((text, tokens, label))
    examples, conflicting, tied = [], 0, 0
    for members in groups.values():  # dict order = first occurrence order: deterministic
        counts = Counter(label for _, _, label in members).most_common()
        if len(counts) > 1:
            conflicting += 1
            if counts[0][1] == counts[1][1]:
                tied += 1
                continue
        text, tokens, _ = members[0]
        examples.append(Example(text=text, tokens=tuple(tokens), label=counts[0][0], rows=len(members)))
    stats = {"rows": len(rows), "examples": len(examples), "duplicateRowsMerged": len(rows) - len(groups),
             "conflictingGroups": conflicting, "tiedGroupsDropped": tied}
    return examples, stats


def stratified_split(examples: list[Example], seed: int,
                     fractions: tuple[float, float, float] = FRACTIONS) -> dict[str, list[Example]]:
    """Per class: a seeded permutation cut at the fractions (rounded), so every split has the class mix."""
    rng = np.random.default_rng([seed, 3])
    out: dict[str, list[Example]] = {name: [] for name in SPLITS}
    for k in range(len(LABELS)):
        members = [e for e in examples if e.label == k]
        order = rng.permutation(len(members))
        n_train = int(round(fractions[0] * len(members)))
        n_val = int(round(fractions[1] * len(members)))
        cuts = {"train": order[:n_train], "validation": order[n_train:n_train + n_val],
                "test": order[n_train + n_val:]}
        for name in SPLITS:
            out[name].extend(members[i] for i in sorted(cuts[name]))
    for name in SPLITS:  # interleave the classes in a seeded order (training shuffles anyway; evaluation doesn't care)
        perm = np.random.default_rng([seed, 4, SPLITS.index(name)]).permutation(len(out[name]))
        out[name] = [out[name][i] for i in perm]
    return out


def class_mix(examples: list[Example]) -> list[float]:
    counts = np.bincount([e.label for e in examples], minlength=len(LABELS))
    return [float(c) for c in counts / max(1, counts.sum())]


def validate_splits(splits: dict[str, list[Example]], tolerance: float = 0.01) -> None:
    """No token sequence (hence no text) in two splits; every split's class mix within tolerance of the whole."""
    seen: dict[tuple[str, ...], str] = {}
    for name, examples in splits.items():
        for e in examples:
            key = dedup_key(list(e.tokens))
            if seen.setdefault(key, name) != name:
                raise DataValidationError(f"example {' '.join(key)!r} in {seen[key]} and {name}")
    overall = class_mix([e for s in splits.values() for e in s])
    for name, examples in splits.items():
        if not examples:
            raise DataValidationError(f"{name} split is empty")
        for k, (a, b) in enumerate(zip(class_mix(examples), overall)):
            if abs(a - b) > tolerance:
                raise DataValidationError(f"{name}: {LABELS[k]} share {a:.3f} vs {b:.3f} overall")


def load_dataset(path: Path, seed: int) -> Dataset:
    """Read, de-duplicate, split, validate."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: the airline-tweets CSV is not in the repository; "
                                "see training/tweet-sentiment/README.md (Data) and pass --data PATH")
    rows = read_rows(path)
    examples, stats = deduplicate(rows)
    splits = stratified_split(examples, seed)
    validate_splits(splits)
    stats["split"] = {name: len(s) for name, s in splits.items()}
    stats["classMix"] = {name: class_mix(s) for name, s in splits.items()}
    return Dataset(splits=splits, sha256=sha256_file(path), stats=stats)
