/**
 * The `infergraph-words-1` tokenizer, as `training/tweet-sentiment/TOKENIZER.md` specifies it and
 * `training/tweet-sentiment/tokenizer.py` trains with: the gateway must give the ids training gave, so every step is
 * a regular expression whose classes mean the same in JavaScript and in Python's `re` (a parity test runs both over
 * a whole test split).
 */

/** The tokenizer's name, as a manifest's `input.text.tokenizer` names it. */
export const WORDS_TOKENIZER = 'infergraph-words-1';

/**
 * Where a URL ends: every code point either Python's `str.isspace()` or JavaScript's `\s` counts as white space
 * (they differ on U+001C–U+001F, U+0085 and U+FEFF).
 */
const WHITE_SPACE =
  '\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
const URL = new RegExp(`https?://[^${WHITE_SPACE}]+`, 'gu');
const USER = /@[A-Za-z0-9_]+/gu;
const DIGITS = /[0-9]+/gu;
const TOKEN = /<url>|<user>|<num>|[a-z]+(?:'[a-z]+)?|[!?]/gu;
const MARK = /\p{M}/gu;
/** The three entities tweets carry escaped, replaced in this order. */
const ENTITIES: readonly (readonly [RegExp, string])[] = [
  [/&amp;/g, '&'],
  [/&lt;/g, '<'],
  [/&gt;/g, '>'],
];

/** Step 1: compatibility decomposition, marks dropped (accents), lower case. */
function normalise(text: string): string {
  return text.normalize('NFKD').replace(MARK, '').toLowerCase();
}

/** Step 2: URLs, mentions, entities and digit runs become placeholder tokens (or plain characters). */
function substitute(text: string): string {
  let out = text.replace(URL, ' <url> ').replace(USER, ' <user> ');
  for (const [entity, char] of ENTITIES) out = out.replace(entity, char);
  return out.replace(DIGITS, ' <num> ');
}

/** Steps 1–3: the tokens of a text, in order (none for a text with no word in it). */
export function wordTokens(text: string): string[] {
  return substitute(normalise(text)).match(TOKEN) ?? [];
}
