#!/usr/bin/env node
// The gateway's "infergraph-words-1" tokenizer (TOKENIZER.md) behind a line protocol, used by the Python tests to
// prove that tokenizer.py (what training used) and the gateway agree.
//   node training/tweet-sentiment/tokenizer_ref.js < lines.jsonl
// stdin: one JSON value per line, either a string (the text) or {"text": ..., "vocab": [...], "maxLength": n};
// stdout: one JSON line per input, {"tokens": [...]} or {"tokens": [...], "ids": [...]}.
'use strict';

// The gateway's own tokenizer (src/codec/text/words-tokenizer.ts), loaded through ts-node: the Python tests then
// check the code that serves the model, not a second rendering of the specification.
require('ts-node/register/transpile-only');
const { wordTokens: tokenize } = require('../../src/codec/text/words-tokenizer.ts');

function encode(tokens, vocab, maxLength) {
  const index = new Map(vocab.map((t, i) => [t, i]));
  const ids = tokens.slice(0, maxLength).map((t) => index.get(t) ?? 1);
  while (ids.length < maxLength) ids.push(0);
  return ids;
}

module.exports = { tokenize, encode };

if (require.main === module) {
  const chunks = [];
  process.stdin.on('data', (c) => chunks.push(c));
  process.stdin.on('end', () => {
    const lines = Buffer.concat(chunks)
      .toString('utf8')
      .split('\n')
      .filter((l) => l.length > 0);
    const out = lines.map((line) => {
      const item = JSON.parse(line);
      if (typeof item === 'string') return JSON.stringify({ tokens: tokenize(item) });
      const tokens = tokenize(item.text);
      return JSON.stringify({ tokens, ids: encode(tokens, item.vocab, item.maxLength) });
    });
    process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
  });
}
