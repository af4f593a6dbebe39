/**
 * Keeps docs/security.md honest about its evidence: every test file it names exists, and every test title it
 * attributes to a file is a test of that file. Rename or move a test it cites and this file fails, naming the
 * citation and its line.
 *
 * How citations are read, and the limits of that:
 * - A test path is a code span or a Markdown link target that is a `test/…` path ending in `.test.ts`, a `test/…`
 *   path ending in `*` (a glob: it must match at least one jest file), or a `…/tests/test_*.py`. Every test path
 *   anywhere in the doc, prose or table, must exist.
 * - A citation is a code span that follows a test path which `›` or `(` follows, in the same table cell (or line),
 *   up to the next `;` outside code spans: `path` › `title`, `title`; `path` (`title`, prose, `title`). Code spans
 *   before such a path (`npm run schema:check`) and prose without backticks ("every operation × role") are not
 *   citations. A citation's title is the span's text, read by `cellTitle` (test/support/test-titles.ts): `\|`
 *   unescaped, the padding spaces of a double-backtick span removed.
 * - `…` in a citation stands for omitted text: a trailing `…` makes it a prefix of a title, a leading one a suffix.
 * - A file's titles are those `jestTitles` finds (see test-titles.ts), or its pytest functions. An `.each` whose
 *   table is written in the file (an array literal, or a `const` holding one, taken as never changed) and whose
 *   placeholders only take literals (`$key`, `%s`, `%d`, `%i`, `%j`, `%#`, `%$`) is resolved as jest-each names its
 *   cases; its template may be cited too. Any other `.each` or `${}` title stays a pattern whose placeholders
 *   stand for any text, so a citation of it is checked against its literal parts only (the roles matrix is one).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { cellTitle, cells, jestFiles, jestTitles, pytestFiles, pytestNames, REPO } from '../support/test-titles';

const SECURITY_DOC = path.join(REPO, 'docs', 'security.md');

// ------------------------------------------------------------------------------------------- citations in the doc

interface Citation {
  /** Line of the doc, from 1. */
  readonly line: number;
  readonly file: string;
  readonly title: string;
}

const isTestPath = (text: string): boolean =>
  /^test\/[^\s`]*(\.test\.ts|\*)$/.test(text) || /^[^\s`]*\/tests\/test_[^/\s`]*\.py$/.test(text);

/** The code spans of a piece of Markdown, in order (any backtick-run length), with where each ends. */
function spansOf(text: string): { text: string; end: number }[] {
  return [...text.matchAll(/(`+)([\s\S]*?[^`])\1(?!`)/g)].map((m) => ({
    text: cellTitle(m[0]),
    end: (m.index ?? 0) + m[0].length,
  }));
}
const codeSpans = (text: string): string[] => spansOf(text).map((span) => span.text);

/** Splits on `;` that are not inside code spans. */
function splitOutsideCode(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  let fence: string | undefined;
  for (let i = 0; i < text.length; i += 1) {
    const run = /^`+/.exec(text.slice(i))?.[0];
    if (run !== undefined) {
      if (fence === undefined) fence = run;
      else if (run === fence) fence = undefined;
      current += run;
      i += run.length - 1;
    } else if (text[i] === ';' && fence === undefined) {
      parts.push(current);
      current = '';
    } else {
      current += text[i];
    }
  }
  return [...parts, current];
}

/** Every test path the doc mentions (code spans and link targets), with its line. */
function testPaths(markdown: string): { line: number; file: string }[] {
  return markdown.split('\n').flatMap((text, i) => {
    const spans = codeSpans(text).filter(isTestPath);
    const links = [...text.matchAll(/\]\((?:\.\.\/)?([^)#\s]+)[^)]*\)/g)].map((m) => m[1] ?? '').filter(isTestPath);
    return [...spans, ...links].map((file) => ({ line: i + 1, file }));
  });
}

/** Every title the doc attributes to a test file. */
function citations(markdown: string): Citation[] {
  return markdown.split('\n').flatMap((text, i) => {
    const groups = text.startsWith('|') ? cells(text) : [text];
    return groups.flatMap(splitOutsideCode).flatMap((segment) => {
      let file: string | undefined;
      const found: Citation[] = [];
      for (const span of spansOf(segment)) {
        // a path opens a list of titles only when `›` or `(` follows it
        if (isTestPath(span.text)) file = /^\s*[›(]/.test(segment.slice(span.end)) ? span.text : undefined;
        else if (file !== undefined) found.push({ line: i + 1, file, title: span.text });
      }
      return found;
    });
  });
}

// ------------------------------------------------------------------------------- titles, with `.each` resolved

/** A title as literal pieces joined by wildcards (`*` here stands for any text, `…` in citations becomes one). */
type Shape = readonly string[];

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The literal value of a table cell, if it has one that jest would print as it is. */
function literal(node: ts.Expression): string | number | boolean | null | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isNumericLiteral(node)) return Number(node.text);
  if (
    ts.isPrefixUnaryExpression(node) &&
    node.operator === ts.SyntaxKind.MinusToken &&
    ts.isNumericLiteral(node.operand)
  ) {
    return -Number(node.operand.text);
  }
  if (node.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (node.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (node.kind === ts.SyntaxKind.NullKeyword) return null;
  return undefined;
}

const unwrap = (node: ts.Expression): ts.Expression =>
  ts.isAsExpression(node) || ts.isSatisfiesExpression(node) || ts.isParenthesizedExpression(node)
    ? unwrap(node.expression)
    : node;

/** The array literal an `.each` table is, or the one a `const` of that name in the same file holds. */
function tableOf(argument: ts.Expression | undefined, source: ts.SourceFile): ts.ArrayLiteralExpression | undefined {
  if (argument === undefined) return undefined;
  const node = unwrap(argument);
  if (ts.isArrayLiteralExpression(node)) return node;
  if (!ts.isIdentifier(node)) return undefined;
  const found: ts.ArrayLiteralExpression[] = [];
  const visit = (child: ts.Node): void => {
    if (
      ts.isVariableDeclaration(child) &&
      ts.isIdentifier(child.name) &&
      child.name.text === node.text &&
      child.initializer
    ) {
      const value = unwrap(child.initializer);
      if (ts.isArrayLiteralExpression(value) && (child.parent.flags & ts.NodeFlags.Const) !== 0) found.push(value);
    }
    ts.forEachChild(child, visit);
  };
  visit(source);
  return found.length === 1 ? found[0] : undefined;
}

/** `$key` placeholders filled from an object row, as jest-each does; undefined if one cannot be known statically. */
function fillObject(title: string, row: ts.ObjectLiteralExpression, index: number): string | undefined {
  const values = new Map<string, ts.Expression | undefined>();
  for (const property of row.properties) {
    if (ts.isSpreadAssignment(property)) return undefined;
    const key = ts.isIdentifier(property.name) || ts.isStringLiteral(property.name) ? property.name.text : undefined;
    if (key === undefined) return undefined;
    values.set(key, ts.isPropertyAssignment(property) ? property.initializer : undefined);
  }
  const keys = [...values.keys()].filter((key) => key.length > 0).sort((a, b) => b.length - a.length);
  if (keys.length === 0) return title.replace('$#', String(index));
  let known = true;
  const filled = title.replaceAll(
    new RegExp(`\\$(${keys.map(escapeRegex).join('|')})[.\\w]*`, 'g'),
    (match, key: string) => {
      const initializer = values.get(key);
      const value = match === `$${key}` && initializer !== undefined ? literal(initializer) : undefined;
      if (value === undefined) known = false;
      return String(value);
    },
  );
  return known ? filled.replace('$#', String(index)).replaceAll('%%', '%') : undefined;
}

/** printf placeholders filled from an array row, as jest-each does; undefined if one cannot be known statically. */
function fillArray(title: string, row: readonly ts.Expression[], index: number): string | undefined {
  let text = title
    .replaceAll('%%', '\u0000')
    .replace('%#', String(index))
    .replace('%$', String(index + 1));
  for (const cell of row) {
    const placeholder = /%[#Odfijops]/.exec(text);
    if (placeholder === null) break;
    const value = literal(cell);
    let shown: string | undefined;
    if (placeholder[0] === '%s' && value !== undefined) shown = String(value);
    else if (/%[di]/.test(placeholder[0]) && typeof value === 'number' && Number.isInteger(value))
      shown = String(value);
    else if (placeholder[0] === '%j' && value !== undefined) shown = JSON.stringify(value);
    if (shown === undefined) return undefined;
    text = text.slice(0, placeholder.index) + shown.replaceAll('%', '\u0000') + text.slice(placeholder.index + 2);
  }
  return /%[#Odfijops]/.test(text) ? undefined : text.replaceAll('\u0000', '%');
}

/** The case titles of an `.each(table)(title)` call, when the table and its placeholders are known statically. */
function resolveEach(table: ts.ArrayLiteralExpression, title: string): string[] | undefined {
  const rows = table.elements.map(unwrap);
  if (rows.length === 0 || rows.some(ts.isSpreadElement)) return undefined;
  const printf = /%[#Odfijops]/.test(title.replaceAll('%%', ''));
  const objects = !printf && rows.every((row) => ts.isObjectLiteralExpression(row));
  const arrays = rows.every((row) => ts.isArrayLiteralExpression(row));
  const resolved = rows.map((row, index) => {
    if (objects && ts.isObjectLiteralExpression(row)) return fillObject(title, row, index);
    if (arrays && ts.isArrayLiteralExpression(row)) return fillArray(title, row.elements.map(unwrap), index);
    return fillArray(title, [row], index); // jest-each makes a one-column row of anything else
  });
  return resolved.every((text): text is string => text !== undefined) ? resolved : undefined;
}

/** Every title of a jest file as shapes: literal titles, resolved `.each` cases (and their templates), patterns. */
function citableTitles(code: string, fileName = 'file.test.ts'): Shape[] {
  const source = ts.createSourceFile(fileName, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const resolved = new Map<string, string[]>();
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isCallExpression(node.expression)) {
      const each = node.expression;
      const title = node.arguments[0];
      const isEach = ts.isPropertyAccessExpression(each.expression) && each.expression.name.text === 'each';
      if (isEach && title !== undefined && (ts.isStringLiteral(title) || ts.isNoSubstitutionTemplateLiteral(title))) {
        const table = tableOf(each.arguments[0], source);
        const cases = table === undefined ? undefined : resolveEach(table, title.text);
        if (cases !== undefined) resolved.set(title.text, [...(resolved.get(title.text) ?? []), ...cases]);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return jestTitles(code, fileName).flatMap((title): Shape[] => {
    if (title.kind === 'literal') return [[title.text]];
    if (title.kind === 'dynamic') return [];
    const cases = resolved.get(title.text);
    if (cases !== undefined) return [...cases.map((text) => [text]), [title.text]];
    const parts = title.regex.source.slice(1, -1).split('[\\s\\S]*');
    return [parts.map((part) => part.replace(/\\(.)/g, '$1'))];
  });
}

/** Whether some text fits both shapes (literal pieces joined by "any text"). */
function overlap(a: Shape, b: Shape): boolean {
  const STAR = -1;
  const chars = (shape: Shape): number[] =>
    shape.flatMap((piece, i) => [...(i === 0 ? [] : [STAR]), ...[...piece].map((c) => c.codePointAt(0) ?? 0)]);
  const x = chars(a);
  const y = chars(b);
  const memo = new Map<number, boolean>();
  const fits = (i: number, j: number): boolean => {
    const key = i * (y.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === x.length && j === y.length) result = true;
    else if (x[i] === STAR) result = fits(i + 1, j) || (j < y.length && fits(i, j + 1));
    else if (y[j] === STAR) result = fits(i, j + 1) || (i < x.length && fits(i + 1, j));
    else result = i < x.length && j < y.length && x[i] === y[j] && fits(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return fits(0, 0);
}

/** A citation as a shape: `…` is omitted text. */
const citationShape = (title: string): Shape => title.split('…');

// ----------------------------------------------------------------------------------------------------- tests

const markdown = readFileSync(SECURITY_DOC, 'utf8');
const testFiles = [...jestFiles(), ...pytestFiles()];
/** The test files a cited path stands for: itself, or what its `*` (within one folder) matches. */
function filesOf(cited: string): string[] {
  const glob = new RegExp(`^${cited.split('*').map(escapeRegex).join('[^/]*')}$`);
  return testFiles.filter((file) => (cited.includes('*') ? glob.test(file) : file === cited));
}
const titlesOf = (file: string): Shape[] => {
  const code = readFileSync(path.join(REPO, file), 'utf8');
  return file.endsWith('.py') ? pytestNames(code).map((name) => [name]) : citableTitles(code, file);
};

describe('docs/security.md', () => {
  it('names only test files that exist', () => {
    const paths = testPaths(markdown);
    expect(paths.length).toBeGreaterThan(0);
    const missing = paths.filter(({ file }) => filesOf(file).length === 0);
    expect(missing.map(({ line, file }) => `line ${line}: ${file}`)).toEqual([]);
  });

  it('attributes to each test file only titles that file has', () => {
    const cited = citations(markdown);
    expect(cited.length).toBeGreaterThan(0);
    const fits = ({ file, title }: Citation): boolean =>
      filesOf(file).some((f) => titlesOf(f).some((shape) => overlap(citationShape(title), shape)));
    const wrong = cited.filter((citation) => !fits(citation));
    expect(wrong.map(({ line, file, title }) => `line ${line}: ${file} › ${title}`)).toEqual([]);
  });

  it('names a test file in every row of the OWASP table', () => {
    const rows = markdown.split('\n').filter((line) => /^\| \*\*API\d+ /.test(line));
    expect(rows).toHaveLength(10);
    expect(
      rows.filter((row) => !codeSpans(cells(row)[2] ?? '').some(isTestPath)).map((row) => cells(row)[0]?.trim()),
    ).toEqual([]);
  });

  it('would notice a wrong citation: the checks above run on a made-up doc and test file', () => {
    const doc = [
      'Prose naming `test/unit/a.test.ts` and [a link](../test/unit/b.test.ts#x), but also `src/x.ts`.',
      '| item | controls | tests |',
      '|---|---|---|',
      '| **API1** | c | `npm run audit` (CI); `test/unit/a.test.ts` › `refuses a token that is forged…`, `…expired`; `test/x/*` (`as x is y`) |',
      '| **API2** | c | `test/unit/a.test.ts` (`a \\| b`, every case, `answers 2 for two`, `answers 3 for three`); `models/m/tests/test_a.py` › `test_a` |',
    ].join('\n');
    expect(testPaths(doc).map(({ line, file }) => `${line}: ${file}`)).toEqual([
      '1: test/unit/a.test.ts',
      '1: test/unit/b.test.ts',
      '4: test/unit/a.test.ts',
      '4: test/x/*',
      '5: test/unit/a.test.ts',
      '5: models/m/tests/test_a.py',
    ]);
    expect(citations(doc).map(({ line, file, title }) => `${line}: ${file} › ${title}`)).toEqual([
      '4: test/unit/a.test.ts › refuses a token that is forged…',
      '4: test/unit/a.test.ts › …expired',
      '4: test/x/* › as x is y',
      '5: test/unit/a.test.ts › a | b',
      '5: test/unit/a.test.ts › answers 2 for two',
      '5: test/unit/a.test.ts › answers 3 for three',
      '5: models/m/tests/test_a.py › test_a',
    ]);
    const code = [
      "const cases = [{ name: 'forged (another key)', n: 1 }, { name: 'expired', n: 2 }];",
      "it.each(cases)('refuses a token that is $name', () => {});",
      "it.each([[2, 'two']])('answers %i for %s', () => {});",
      "it.each(imported)('$op as $who', () => {});",
      "it('a | b', () => {});",
    ].join('\n');
    const titles = citableTitles(code);
    expect(titles).toEqual([
      ['refuses a token that is forged (another key)'],
      ['refuses a token that is expired'],
      ['refuses a token that is $name'],
      ['answers 2 for two'],
      ['answers %i for %s'],
      ['', ' as ', ''],
      ['a | b'],
    ]);
    const fits = (title: string, shapes: Shape[] = titles): boolean =>
      shapes.some((shape) => overlap(citationShape(title), shape));
    const good = [
      'refuses a token that is forged…',
      '…expired',
      'answers 2 for two',
      'a | b',
      'x as y',
      'refuses a token that is $name',
    ];
    expect(good.filter((t) => !fits(t))).toEqual([]);
    expect(['refuses a token that is garbage', 'answers 3 for three', 'a |', 'xy'].filter((t) => fits(t))).toEqual([]);
    // `…forged` is no title's suffix; only the unresolved `$op as $who` could end with anything
    expect(fits('…forged')).toBe(true);
    expect(
      fits(
        '…forged',
        titles.filter((shape) => shape.length === 1),
      ),
    ).toBe(false);
  });

  it('would find every kind of test title: the title finder runs on a made-up file', () => {
    const code = [
      "describe('group', () => {",
      '  it(\'plain `quoted` "title" | with a pipe\', () => {});',
      '  test(`template ${1 + 1} title`, () => {});',
      "  it.each([['a', 1]])('each %s with %i', () => {});",
      "  it.each`\n    a\n    ${1}\n  `('tagged $a', () => {});",
      "  it.skip('skipped'); xit('x-ed'); describe('not a test', () => {});",
      "  const label = 'dynamic'; it(label, () => {});",
      '});',
    ].join('\n');
    expect(jestTitles(code).map((title) => `${title.kind}: ${title.text}`)).toEqual([
      'literal: plain `quoted` "title" | with a pipe',
      'pattern: `template ${1 + 1} title`',
      'pattern: each %s with %i',
      'pattern: tagged $a',
      'literal: skipped',
      'literal: x-ed',
      'dynamic: label',
    ]);
    expect(
      pytestNames('def test_a():\n    pass\n\nclass TestB:\n    def test_b(self):\n        pass\ndef helper(): pass\n'),
    ).toEqual(['test_a', 'test_b']);
  });
});
