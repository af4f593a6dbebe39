/**
 * Keeps docs/testing.md honest: every test file has a section, every test case a row, and every row names a test
 * that exists. Add a test without documenting it (or rename one) and this file fails, naming what is missing.
 *
 * How test titles are found, and the limits of that:
 * - Jest (`test/**\/*.test.ts`): the TypeScript parser (not a regex) finds calls to `it`/`test` (also `fit`, `xit`,
 *   `xtest` and modifiers such as `.only`, `.skip`, `.todo`, `.concurrent`, `.failing`), `it.each(table)(title)` and
 *   it.each`table`(title). `describe` is not a test. Only the first argument is read:
 *   - a string or a template without `${}` is a literal title: a row must show exactly that title;
 *   - a template with `${...}`, or an `.each` title with printf placeholders (`%s`, `%j`, `%i`, `%#`, ...) or
 *     `$name` placeholders, is a pattern: at least one row must match it, a placeholder standing for any text (so a
 *     bare `'$name'` only requires the file's section: write the resolved names there);
 *   - anything else (a variable, a call) cannot be checked statically: only the file's section is required.
 *   A test registered inside a helper function is seen where the helper calls `it`, with the helper's argument.
 * - pytest (`models/**\/tests/test_*.py`): a regex over the source finds `def test_*` at any indentation (so a
 *   nested `def test_` or one inside a docstring would count too). A function is documented by a row `name` or
 *   `name[param-id]`; parametrize ids themselves are not checked against pytest's.
 * - The doc is read as Markdown text: a file's section starts at a heading that is just the path in backticks and
 *   runs to the next heading of level 1 to 3; rows are table lines starting with `|` (header and separator lines
 *   excluded); the first cell, after unescaping `\|` and removing its code-span backticks, is the test title.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export const REPO = path.resolve(__dirname, '..', '..');
export const DOC = path.join(REPO, 'docs', 'testing.md');

// ---------------------------------------------------------------------------------------------- test discovery

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
export const pytestFiles = (): string[] =>
  walk(path.join(REPO, 'models'), (rel) => /(^|\/)tests\/test_[^/]*\.py$/.test(rel));

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

// --------------------------------------------------------------------------------------------------- doc parsing

/** The title in a row's first cell: `\|` unescaped, code-span backticks (and their padding space) removed. */
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

/** Rows (first cells as titles, and all cells) of every table in `lines`, without header and separator lines. */
function tableRows(lines: readonly string[]): string[][] {
  const rows: string[][] = [];
  lines.forEach((line, i) => {
    if (!line.startsWith('|')) return;
    const next = lines[i + 1] ?? '';
    const isSeparator = /^\|[\s:|-]+\|?\s*$/.test(line);
    const isHeader = !isSeparator && /^\|[\s:|-]+\|?\s*$/.test(next) && next.includes('-');
    if (!isSeparator && !isHeader) rows.push(cells(line));
  });
  return rows;
}

/** Each file section of the doc (heading = the path in backticks) with its table rows. */
export function docSections(markdown: string): Map<string, string[][]> {
  const sections = new Map<string, string[][]>();
  const lines = markdown.split('\n');
  let current: { path: string; lines: string[] } | undefined;
  const close = () => {
    if (current !== undefined) sections.set(current.path, tableRows(current.lines));
  };
  for (const line of lines) {
    const heading = /^(#{1,6})\s+(.*?)\s*$/.exec(line);
    const level = heading?.[1]?.length ?? 7;
    if (heading !== null && level <= 3) {
      close();
      const file = /^`([^`]+)`$/.exec(heading[2] ?? '');
      current = file === null ? undefined : { path: file[1] ?? '', lines: [] };
    } else {
      current?.lines.push(line);
    }
  }
  close();
  return sections;
}

export function documented(title: Title, rowTitles: readonly string[]): boolean {
  if (title.kind === 'literal') return rowTitles.includes(title.text);
  if (title.kind === 'pattern') return rowTitles.some((row) => title.regex.test(row));
  return true; // dynamic: the section's existence is all that can be checked
}
