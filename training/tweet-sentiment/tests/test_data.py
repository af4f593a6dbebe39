"""De-duplication and the stratified split: no text in two splits, class mix kept, deterministic."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from conftest import require_csv, tiny_corpus
from data import (LABELS, SPLITS, DataValidationError, Example, class_mix, dedup_key, deduplicate, load_dataset,
                  read_rows, stratified_split, validate_splits)

SEED = 20261121


def test_dedup_key_drops_retweet_marker() -> None:
    assert dedup_key(["rt", "<user>", "thanks", "!"]) == ("thanks", "!")
    assert dedup_key(["rt", "is", "fine"]) == ("rt", "is", "fine")


def test_deduplicate_merges_variants_and_resolves_labels() -> None:
    rows = [("@united thanks!", 2), ("@Delta THANKS !", 2), ("RT @bob: @united thanks!", 2),  # one example
            ("lost my bag http://t.co/a", 0), ("lost my bag http://t.co/b", 1), ("Lost my bag https://x.y", 0),
            ("Lost my bag!", 0),  # "!" makes it another input
            ("is it on time", 0), ("is it on time?", 1),
            ("gate change", 0), ("Gate change", 1)]  # tie 1-1: dropped
    examples, stats = deduplicate(rows)
    by_tokens = {e.tokens: e for e in examples}
    assert by_tokens[("<user>", "thanks", "!")].rows == 3 and by_tokens[("<user>", "thanks", "!")].label == 2
    lost = by_tokens[("lost", "my", "bag", "<url>")]
    assert lost.label == 0 and lost.rows == 3 and lost.text == "lost my bag http://t.co/a"  # first occurrence
    assert by_tokens[("lost", "my", "bag", "!")].rows == 1
    assert ("gate", "change") not in by_tokens
    assert stats == {"rows": 11, "examples": 5, "duplicateRowsMerged": 5, "conflictingGroups": 2,
                     "tiedGroupsDropped": 1}


def test_majority_label_wins() -> None:
    rows = [("late again", 0), ("Late again", 0), ("LATE AGAIN", 1)]
    (example,), stats = deduplicate(rows)
    assert example.label == 0 and example.rows == 3 and stats["conflictingGroups"] == 1


def synthetic_examples(n: int = 3000) -> list[Example]:
    texts, labels = tiny_corpus(n, 3)
    examples, _ = deduplicate(list(zip(texts, labels.tolist())))
    return examples


def test_split_fractions_stratification_and_disjointness() -> None:
    examples = synthetic_examples()
    splits = stratified_split(examples, SEED)
    assert sum(len(s) for s in splits.values()) == len(examples)
    sizes = {n: len(splits[n]) / len(examples) for n in SPLITS}
    assert abs(sizes["train"] - 0.70) < 0.01 and abs(sizes["validation"] - 0.15) < 0.01
    overall = class_mix(examples)
    for name in SPLITS:
        assert np.allclose(class_mix(splits[name]), overall, atol=0.01), name
    keys = [set(e.tokens for e in splits[n]) for n in SPLITS]
    assert not (keys[0] & keys[1]) and not (keys[0] & keys[2]) and not (keys[1] & keys[2])
    validate_splits(splits)


def test_split_is_deterministic_and_seed_dependent() -> None:
    examples = synthetic_examples()
    a, b = stratified_split(examples, SEED), stratified_split(examples, SEED)
    c = stratified_split(examples, SEED + 1)
    assert all(a[n] == b[n] for n in SPLITS)
    assert a["test"] != c["test"]


def test_validate_splits_catches_leak_and_imbalance() -> None:
    e = [Example("x", ("x",), 0), Example("y", ("y",), 1), Example("z", ("z",), 2)]
    with pytest.raises(DataValidationError, match="in train and test"):
        validate_splits({"train": e, "validation": e[:0] + [Example("w", ("w",), 0)], "test": [e[0]]})
    balanced = {"train": e * 4, "validation": e, "test": [e[0]] * 3}
    with pytest.raises(DataValidationError):
        validate_splits(balanced)


# ------------------------------------------------------------ the real CSV (skipped when absent)

@pytest.fixture(scope="module")
def real():
    return load_dataset(require_csv(), SEED)


def test_real_csv_reads_and_labels(real) -> None:
    rows = read_rows(require_csv())
    assert len(rows) == real.stats["rows"] == 12640
    assert set(label for _, label in rows) == {0, 1, 2}
    assert len(real.sha256) == 64


def test_real_split_no_text_in_two_splits(real) -> None:
    seen: dict[str, str] = {}
    for name in SPLITS:
        for e in real.splits[name]:
            norm = " ".join(e.text.lower().split())
            assert seen.setdefault(norm, name) == name, f"{e.text!r} in {seen[norm]} and {name}"
    # and the stronger rule the split uses: no token sequence in two splits
    owners = Counter()
    for name in SPLITS:
        for key in {dedup_key(list(e.tokens)) for e in real.splits[name]}:
            owners[key] += 1
    assert max(owners.values()) == 1


def test_real_split_every_raw_row_lands_in_one_split(real) -> None:
    """Each CSV row's text maps to exactly one split (or to a dropped tie), so duplicates never straddle."""
    split_of = {dedup_key(list(e.tokens)): n for n in SPLITS for e in real.splits[n]}
    from tokenizer import tokenize

    placed = Counter(split_of.get(dedup_key(tokenize(text)), "dropped") for text, _ in read_rows(require_csv()))
    assert placed["dropped"] <= 2 * real.stats["tiedGroupsDropped"] + 10
    assert sum(placed.values()) == real.stats["rows"]


def test_real_split_stratified_and_deterministic(real) -> None:
    overall = class_mix([e for s in real.splits.values() for e in s])
    for name in SPLITS:
        assert np.allclose(class_mix(real.splits[name]), overall, atol=0.005), name
    again = load_dataset(require_csv(), SEED)
    assert all([e.text for e in again.splits[n]] == [e.text for e in real.splits[n]] for n in SPLITS)
    assert real.stats["split"] == {"train": 8608, "validation": 1844, "test": 1846}
    assert len(LABELS) == 3
