/**
 * A strict reader for the tiny subset of Python literals that `.npy` headers use: dicts, tuples, lists, strings
 * (no escapes), non-negative integers (with Python 2's optional `L`), `True`, `False`, `None`. It never evaluates
 * anything; any other syntax is rejected.
 */

/** A parsed literal. Tuples and lists are told apart because numpy requires `shape` to be a tuple. */
export type PyLiteral =
  | string
  | number
  | boolean
  | null
  | { readonly kind: 'tuple' | 'list'; readonly items: readonly PyLiteral[] }
  | { readonly kind: 'dict'; readonly entries: ReadonlyMap<string, PyLiteral> };

/** Thrown on any syntax outside the subset; the caller turns it into `NPY_MALFORMED`. */
export class PyLiteralSyntaxError extends Error {
  override readonly name = 'PyLiteralSyntaxError';
}

/** Nesting deeper than this is not something numpy writes; refusing it bounds recursion. */
const MAX_DEPTH = 8;

/** Parses `text` as exactly one literal, surrounded only by whitespace. */
export function parsePyLiteral(text: string): PyLiteral {
  const reader = new Reader(text);
  const value = reader.value(0);
  reader.skipSpace();
  if (!reader.atEnd()) reader.fail('unexpected text after the literal');
  return value;
}

class Reader {
  private at = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.at >= this.text.length;
  }

  skipSpace(): void {
    while (!this.atEnd() && ' \t\r\n'.includes(this.text[this.at] as string)) this.at++;
  }

  fail(reason: string): never {
    throw new PyLiteralSyntaxError(`${reason} at offset ${this.at}`);
  }

  value(depth: number): PyLiteral {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    this.skipSpace();
    const c = this.text[this.at];
    if (c === '{') return this.dict(depth);
    if (c === '(') return { kind: 'tuple', items: this.sequence(')', depth) };
    if (c === '[') return { kind: 'list', items: this.sequence(']', depth) };
    if (c === "'" || c === '"') return this.string();
    if (c !== undefined && c >= '0' && c <= '9') return this.integer();
    for (const [word, literal] of [
      ['True', true],
      ['False', false],
      ['None', null],
    ] as const) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return literal;
      }
    }
    return this.fail('unexpected character');
  }

  private dict(depth: number): PyLiteral {
    const entries = new Map<string, PyLiteral>();
    this.at++; // {
    for (;;) {
      this.skipSpace();
      if (this.text[this.at] === '}') break;
      const key = this.value(depth + 1);
      if (typeof key !== 'string') this.fail('dict keys must be strings');
      if (entries.has(key)) this.fail('duplicate dict key');
      this.skipSpace();
      if (this.text[this.at++] !== ':') this.fail("expected ':'");
      entries.set(key, this.value(depth + 1));
      this.skipSpace();
      const next = this.text[this.at];
      if (next === ',') this.at++;
      else if (next !== '}') this.fail("expected ',' or '}'");
    }
    this.at++; // }
    return { kind: 'dict', entries };
  }

  private sequence(close: ')' | ']', depth: number): PyLiteral[] {
    const items: PyLiteral[] = [];
    this.at++; // ( or [
    let sawComma = false;
    for (;;) {
      this.skipSpace();
      if (this.text[this.at] === close) break;
      items.push(this.value(depth + 1));
      this.skipSpace();
      const next = this.text[this.at];
      if (next === ',') {
        this.at++;
        sawComma = true;
      } else if (next !== close) this.fail(`expected ',' or '${close}'`);
    }
    this.at++;
    // `(5)` is just 5 in Python, not a tuple; numpy always writes `(5,)`.
    if (close === ')' && items.length === 1 && !sawComma) this.fail('a one-element tuple needs a trailing comma');
    return items;
  }

  private string(): string {
    const quote = this.text[this.at++] as string;
    const end = this.text.indexOf(quote, this.at);
    if (end === -1) this.fail('unterminated string');
    const value = this.text.slice(this.at, end);
    if (value.includes('\\') || value.includes('\n')) this.fail('escapes are not supported in strings');
    this.at = end + 1;
    return value;
  }

  private integer(): number {
    const match = /^[0-9]+L?/.exec(this.text.slice(this.at, this.at + 24));
    if (match === null) return this.fail('bad integer');
    const digits = match[0].endsWith('L') ? match[0].slice(0, -1) : match[0];
    // A following '.', 'e' or 'x' would make it a float or hex literal: not something a shape may hold.
    const after = this.text[this.at + match[0].length];
    if (after !== undefined && /[0-9A-Za-z_.]/.test(after)) this.fail('bad integer');
    const value = Number(digits);
    if (!Number.isSafeInteger(value)) this.fail('integer too large');
    this.at += match[0].length;
    return value;
  }
}
