/**
 * Finds the test files of the repository and the test titles in them, for `test/unit/security-doc.test.ts`, which
 * checks the tests `docs/security.md` cites.
 *
 * How test titles are found, and the limits of that:
 * - Jest (`test/**\/*.test.ts`): the TypeScript parser (not a regex) finds calls to `it`/`test` (also `fit`, `xit`,
 *   `xtest` and modifiers such as `.only`, `.skip`, `.todo`, `.concurrent`, `.failing`), `it.each(table)(title)` and
 *   it.each`table`(title). `describe` is not a test. Only the first argument is read:
 *   - a string or a template without `${}` is a literal title;
 *   - a template with `${...}`, or an `.each` title with printf placeholders (`%s`, `%j`, `%i`, `%#`, ...) or
 *     `$name` placeholders, is a pattern, a placeholder standing for any text;
 *   - anything else (a variable, a call) cannot be known statically: a dynamic title.
 *   A test registered inside a helper function is seen where the helper calls `it`, with the helper's argument.
 * - pytest (any `tests/test_*.py` outside `node_modules` and hidden folders): a regex over the source finds
 *   `def test_*` at any indentation (so a nested `def test_` or one inside a docstring would count too).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export const REPO = path.resolve(__dirname, '..', '..');

export type Title =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'pattern'; readonly text: string; readonly regex: RegExp }
  | { readonly kind: 'dynamic'; readonly text: string };

function walk(dir: string, keep: (rel: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === '__pycache__' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full, keep));
    else if (keep(path.relative(REPO, full).split(path.sep).join('/')))
      out.push(path.relative(REPO, full).split(path.sep).join('/'));
  }
  return out.sort();
}

export const jestFiles = (): string[] => walk(path.join(REPO, 'test'), (rel) => rel.endsWith('.test.ts'));
/** pytest files wherever they live (the training recipe's and the import tool's suites), by pytest's naming. */
export const pytestFiles = (): string[] => walk(REPO, (rel) => /(^|\/)tests\/test_[^/]*\.py$/.test(rel));

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A pattern from literal parts joined by placeholders, each placeholder standing for any text. */
function pattern(text: string, parts: readonly string[]): Title {
  return { kind: 'pattern', text, regex: new RegExp(`^${parts.map(escapeRegex).join('[\\s\\S]*')}$`) };
}

/** jest `.each` placeholders: printf-style from array rows, `$name` / `$a.b` from object rows and tagged tables. */
const EACH_PLACEHOLDER = /%%|%[psdifjo#$]|\$[A-Za-z_][\w.]*/g;

/** The literal parts of an `.each` title between its placeholders (`%%` is a literal `%`). */
function splitEach(text: string): string[] {
  const parts = [''];
  let at = 0;
  for (const match of text.matchAll(EACH_PLACEHOLDER)) {
    parts[parts.length - 1] += text.slice(at, match.index);
    if (match[0] === '%%') parts[parts.length - 1] += '%';
    else parts.push('');
    at = (match.index ?? 0) + match[0].length;
  }
  parts[parts.length - 1] += text.slice(at);
  return parts;
}

const TEST_FUNCTIONS = new Set(['it', 'test', 'fit', 'xit', 'xtest']);
const MODIFIERS = new Set(['only', 'skip', 'todo', 'concurrent', 'failing', 'each']);

/** For `it`, `test.only`, `it.concurrent.each`...: whether it is a test function, and whether it ends with `.each`. */
function testCallee(expression: ts.Expression): { readonly each: boolean } | undefined {
  if (ts.isIdentifier(expression)) return TEST_FUNCTIONS.has(expression.text) ? { each: false } : undefined;
  if (ts.isPropertyAccessExpression(expression) && MODIFIERS.has(expression.name.text)) {
    return testCallee(expression.expression) === undefined ? undefined : { each: expression.name.text === 'each' };
  }
  return undefined;
}

function titleOf(argument: ts.Expression | undefined, each: boolean, source: ts.SourceFile): Title {
  const split = (part: string): string[] => (each ? splitEach(part) : [part]);
  if (argument !== undefined && (ts.isStringLiteral(argument) || ts.isNoSubstitutionTemplateLiteral(argument))) {
    const parts = split(argument.text);
    return parts.length === 1 ? { kind: 'literal', text: parts[0] ?? '' } : pattern(argument.text, parts);
  }
  if (argument !== undefined && ts.isTemplateExpression(argument)) {
    // `${...}` is any text; the literal pieces between them may hold `.each` placeholders too.
    const pieces = [argument.head.text, ...argument.templateSpans.map((span) => span.literal.text)].map(split);
    const parts = pieces.reduce<string[]>((all, piece) => (all.length === 0 ? piece : [...all, ...piece]), []);
    return pattern(argument.getText(source), parts);
  }
  return { kind: 'dynamic', text: argument?.getText(source) ?? '(no title)' };
}

/** Every test title registered in a jest source file, in source order. */
export function jestTitles(code: string, fileName = 'file.test.ts'): Title[] {
  const source = ts.createSourceFile(fileName, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const titles: Title[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const direct = testCallee(node.expression);
      if (direct !== undefined && !direct.each) titles.push(titleOf(node.arguments[0], false, source));
      const inner = node.expression;
      const table = ts.isCallExpression(inner)
        ? inner.expression
        : ts.isTaggedTemplateExpression(inner)
          ? inner.tag
          : undefined;
      if (table !== undefined && testCallee(table)?.each === true)
        titles.push(titleOf(node.arguments[0], true, source));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return titles;
}

/** Every `def test_*` in a pytest file. */
export function pytestNames(code: string): string[] {
  return [...code.matchAll(/^[ \t]*(?:async[ \t]+)?def[ \t]+(test\w*)[ \t]*\(/gm)].map((m) => m[1] ?? '');
}

/** The text of a code span (or a table cell holding one): `\|` unescaped, the backticks and their padding removed. */
export function cellTitle(cell: string): string {
  const text = cell.trim().replace(/\\\|/g, '|');
  const span = /^(`+)([\s\S]*?)\1$/.exec(text);
  if (span === null) return text;
  const inner = span[2] ?? '';
  return inner.length > 1 && inner.startsWith(' ') && inner.endsWith(' ') && inner.trim() !== ''
    ? inner.slice(1, -1)
    : inner;
}

/** Cells of a Markdown table line, split on pipes that are not escaped. */
export const cells = (line: string): string[] =>
  line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/);
