"""The infergraph-words-1 tokenizer: TOKENIZER.md's examples, tricky inputs, parity with JavaScript, vocabulary."""
from __future__ import annotations

import csv
import json
import re

import pytest

from conftest import RECIPE_DIR, js_tokenize, require_csv
from tokenizer import MAX_CHARS, PAD, PAD_ID, UNK, UNK_ID, Vocabulary, normalize, substitute, tokenize


def spec_examples() -> dict:
    """The JSON block between the parity-examples markers of TOKENIZER.md."""
    text = (RECIPE_DIR / "TOKENIZER.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- parity-examples -->\s*```json\n(.*?)```", text, re.S)
    assert block, "TOKENIZER.md lost its parity-examples block"
    return json.loads(block.group(1))


SPEC = spec_examples()
CASES = SPEC["cases"]


def test_spec_vocabulary_is_well_formed() -> None:
    vocab = Vocabulary(SPEC["vocab"])
    assert vocab.tokens[:2] == [PAD, UNK] and len(CASES) >= 15


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_spec_example(case: dict) -> None:
    vocab = Vocabulary(SPEC["vocab"])
    assert tokenize(case["text"]) == case["tokens"]
    assert vocab.encode(case["text"], SPEC["maxLength"]) == case["ids"]


def test_spec_examples_match_javascript() -> None:
    got = js_tokenize([{"text": c["text"], "vocab": SPEC["vocab"], "maxLength": SPEC["maxLength"]} for c in CASES])
    assert [g["tokens"] for g in got] == [c["tokens"] for c in CASES]
    assert [g["ids"] for g in got] == [c["ids"] for c in CASES]


TRICKY = {
    "accents": ("Café NAÏVE Résumé façade", ["cafe", "naive", "resume", "facade"]),
    "stacked-marks": ("e\u0301\u0301\u0327x", ["ex"]),
    "ligature-and-fullwidth": ("ﬁne ＠Ｕｎｉｔｅｄ ２０１５", ["fine", "<user>", "<num>"]),
    "non-latin-dropped": ("Привет мир 你好 straße", ["stra", "e"]),
    "dotted-capital-i": ("İSTANBUL", ["istanbul"]),
    "emoji": ("😡😡 ✈️ 👍🏽 love it", ["love", "it"]),
    "zwj-splits-words": ("air\u200dline", ["air", "line"]),
    "url-http-https-case": ("see HTTPS://T.co/AbC?x=1 and http://x.y/z!", ["see", "<url>", "and", "<url>"]),
    "url-needs-a-character": ("http:// nothing", ["http", "nothing"]),
    "url-stops-at-unicode-space": ("http://a.b\u3000ok http://c\ufeffok", ["<url>", "ok", "<url>", "ok"]),
    "url-glued-to-text": ("wow:http://t.co/a", ["wow", "<url>"]),
    "mention-ascii-only": ("@united_2 @@x @ alone @dé", ["<user>", "<user>", "alone", "<user>"]),
    "email-like": ("mail me at jo@example.com", ["mail", "me", "at", "jo", "<user>", "com"]),
    "mention-possessive": ("@united's crew", ["<user>", "s", "crew"]),
    "numbers": ("flight 1234 at 3:30pm, 2nd gate, $100.50", ["flight", "<num>", "at", "<num>", "<num>", "pm",
                                                            "<num>", "nd", "gate", "<num>", "<num>"]),
    "digits-in-words": ("a320neo b737max", ["a", "<num>", "neo", "b", "<num>", "max"]),
    "apostrophes": ("don't can't rock'n'roll 'tis dogs' ''", ["don't", "can't", "rock'n", "roll", "tis", "dogs"]),
    "curly-apostrophe-splits": ("don\u2019t", ["don", "t"]),
    "entities": ("A &amp; B &lt;3 &gt;:( &quot;hi&quot; &#39;", ["a", "b", "<num>", "quot", "hi", "quot", "<num>"]),
    "double-encoded-entity": ("&amp;lt;", []),
    "typed-placeholder-is-a-token": ("<URL> <num> <user> <pad> <unk>", ["<url>", "<num>", "<user>", "pad", "unk"]),
    "punctuation": ("!!! ??? ... -- ¡¿", ["!", "!", "!", "?", "?", "?"]),
    "empty": ("", []),
    "whitespace-only": (" \t\n\u00a0", []),
    "lone-surrogate": ("\ud83d ok", ["ok"]),
}


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_tricky_input(name: str) -> None:
    text, expected = TRICKY[name]
    assert tokenize(text) == expected


def test_tricky_inputs_match_javascript() -> None:
    names = sorted(TRICKY)
    got = js_tokenize([TRICKY[n][0] for n in names])
    assert {n: g["tokens"] for n, g in zip(names, got)} == {n: TRICKY[n][1] for n in names}


def test_every_real_tweet_matches_javascript() -> None:
    path = require_csv()
    with open(path, encoding="utf-8", newline="") as f:
        texts = [row["text"] for row in csv.DictReader(f)]
    got = js_tokenize(texts)
    mismatches = [(t, tokenize(t), g["tokens"]) for t, g in zip(texts, got) if tokenize(t) != g["tokens"]]
    assert not mismatches, mismatches[:3]


def test_steps_in_isolation() -> None:
    assert normalize("ÀÉÎ ｆｕｌｌ") == "aei full"
    assert substitute("&amp;amp; x") == "&amp; x"  # each entity replaced once, in the documented order
    assert substitute("<user>") == "<user>"
    assert substitute("a1b") == "a <num> b"


def test_max_chars_constant() -> None:
    assert MAX_CHARS == 1000


# ------------------------------------------------------------ vocabulary

def test_vocabulary_ids_order_and_min_count() -> None:
    docs = [["b", "a", "c"], ["a", "b", "d"], ["a", "c", "e"], ["c"]]
    v = Vocabulary.build(docs, min_count=2)
    assert v.tokens == [PAD, UNK, "a", "c", "b"]  # a 3, c 3 (tie -> by token), b 2; d, e (1) dropped
    assert v.index[PAD] == PAD_ID == 0 and v.index[UNK] == UNK_ID == 1
    assert Vocabulary.build(docs, min_count=1).tokens == [PAD, UNK, "a", "c", "b", "d", "e"]
    assert Vocabulary.build(docs, min_count=4).tokens == [PAD, UNK]
    with pytest.raises(ValueError):
        Vocabulary.build(docs, min_count=0)


def test_vocabulary_ties_sort_by_code_point() -> None:
    v = Vocabulary.build([["b", "!", "<user>", "a", "?"]], min_count=1)
    assert v.tokens[2:] == ["!", "<user>", "?", "a", "b"]


def test_ids_unknown_truncation_and_padding() -> None:
    v = Vocabulary([PAD, UNK, "hello", "world"])
    assert v.ids(["hello", "zzz", "world"], 5) == [2, 1, 3, 0, 0]
    assert v.ids(["hello"] * 7, 3) == [2, 2, 2]
    assert v.ids([], 4) == [0, 0, 0, 0]
    assert v.encode("Hello, WORLD! 42", 6) == [2, 3, 1, 1, 0, 0]


def test_vocabulary_rejects_bad_tables() -> None:
    with pytest.raises(ValueError):
        Vocabulary(["<unk>", "<pad>", "a"])
    with pytest.raises(ValueError):
        Vocabulary([PAD, UNK, "a", "a"])


def test_vocab_json_round_trip(tmp_path) -> None:
    v = Vocabulary([PAD, UNK, "don't", "<user>", "!"])
    v.save(tmp_path / "vocab.json")
    assert json.loads((tmp_path / "vocab.json").read_text(encoding="utf-8")) == v.tokens
    assert Vocabulary.load(tmp_path / "vocab.json").tokens == v.tokens
