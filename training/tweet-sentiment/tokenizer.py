"""The "infergraph-words-1" tokenizer: text -> tokens -> ids, the contract shared with the gateway.

Why so literal: the gateway re-implements these exact steps in TypeScript
(TOKENIZER.md is the specification; tokenizer_ref.js is a JavaScript rendering
the tests run through node), so every step is a plain regular expression with
explicit ASCII classes that mean the same thing in Python's `re` and in
JavaScript. The one class that is not ASCII, the URL's "non-whitespace", is
spelled out code point by code point because Python's `\\s` and JavaScript's
`\\s` differ (U+001C-U+001F and U+0085 vs U+FEFF).
"""
from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
import re

NAME = "infergraph-words-1"
PAD, UNK = "<pad>", "<unk>"
PAD_ID, UNK_ID = 0, 1
MAX_CHARS = 1000

# Union of Python's str.isspace() set and JavaScript's \s set (Unicode 14+): a URL ends at any of these.
WHITESPACE = ("\t\n\x0b\x0c\r \x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
              "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff")
URL_RE = re.compile("https?://[^" + re.escape(WHITESPACE) + "]+")
USER_RE = re.compile(r"@[A-Za-z0-9_]+")
NUM_RE = re.compile(r"[0-9]+")
TOKEN_RE = re.compile(r"<url>|<user>|<num>|[a-z]+(?:'[a-z]+)?|[!?]")
ENTITIES = (("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"))  # applied in this order, each to the whole string


def normalize(text: str) -> str:
    """Step 1: NFKD, drop every code point of general category M*, then str.lower()."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.category(c).startswith("M")).lower()


def substitute(text: str) -> str:
    """Step 2 on normalised text: URLs, mentions, the three HTML entities, digit runs, in that order."""
    text = URL_RE.sub(" <url> ", text)
    text = USER_RE.sub(" <user> ", text)
    for entity, char in ENTITIES:
        text = text.replace(entity, char)
    return NUM_RE.sub(" <num> ", text)


def tokenize(text: str) -> list[str]:
    """Steps 1-3: the token strings of a text (possibly empty)."""
    return TOKEN_RE.findall(substitute(normalize(text)))


class Vocabulary:
    """Token <-> id; id 0 = <pad>, id 1 = <unk>, then tokens by descending count, ties by token (code point order)."""

    def __init__(self, tokens: Sequence[str]) -> None:
        if list(tokens[:2]) != [PAD, UNK]:
            raise ValueError("a vocabulary starts with <pad>, <unk>")
        if len(set(tokens)) != len(tokens):
            raise ValueError("duplicate token in vocabulary")
        self.tokens = list(tokens)
        self.index = {t: i for i, t in enumerate(self.tokens)}

    def __len__(self) -> int:
        return len(self.tokens)

    @classmethod
    def build(cls, token_lists: Iterable[Sequence[str]], min_count: int) -> "Vocabulary":
        """Keep tokens seen at least min_count times (in the training split only)."""
        if min_count < 1:
            raise ValueError("min_count must be >= 1")
        counts = Counter(t for tokens in token_lists for t in tokens)
        kept = sorted((t for t, c in counts.items() if c >= min_count), key=lambda t: (-counts[t], t))
        return cls([PAD, UNK, *kept])

    def ids(self, tokens: Sequence[str], max_length: int) -> list[int]:
        """Step 4: look up (unknown -> 1), keep the first max_length, right-pad with 0."""
        out = [self.index.get(t, UNK_ID) for t in tokens[:max_length]]
        return out + [PAD_ID] * (max_length - len(out))

    def encode(self, text: str, max_length: int) -> list[int]:
        """Text -> max_length ids (the gateway's job, done here for training and tests)."""
        return self.ids(tokenize(text), max_length)

    def to_json(self) -> str:
        """The vocab.json bytes: a JSON array, one token per line, UTF-8, trailing newline."""
        return "[\n" + ",\n".join(json.dumps(t) for t in self.tokens) + "\n]\n"

    def save(self, path: Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "Vocabulary":
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))


def encode_all(vocab: Vocabulary, token_lists: Sequence[Sequence[str]], max_length: int) -> "np.ndarray":
    """(n, max_length) int64 id matrix."""
    import numpy as np

    return np.array([vocab.ids(t, max_length) for t in token_lists], dtype=np.int64).reshape(-1, max_length)
