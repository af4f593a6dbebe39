/**
 * Keeps docs/testing.md honest: every test file has a section, every test case a row, and every row names a test
 * that exists. How titles are found, and the limits of that, is described in `test/support/test-catalogue.ts`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  cellTitle,
  cells,
  DOC,
  docSections,
  documented,
  jestFiles,
  jestTitles,
  pytestFiles,
  pytestNames,
  REPO,
} from '../support/test-catalogue';

// ----------------------------------------------------------------------------------------------------------- tests

const markdown = readFileSync(DOC, 'utf8');
const sections = docSections(markdown);
const read = (rel: string) => readFileSync(path.join(REPO, rel), 'utf8');
const rowTitles = (rel: string): string[] => (sections.get(rel) ?? []).map((row) => cellTitle(row[0] ?? ''));

describe('docs/testing.md', () => {
  it('has a section for every jest and pytest file, and none for a file that does not exist', () => {
    const files = [...jestFiles(), ...pytestFiles()];
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((file) => !sections.has(file))).toEqual([]);
    expect([...sections.keys()].filter((file) => !files.includes(file))).toEqual([]);
  });

  it('has a row for every jest test title, in the section of its file', () => {
    const missing = jestFiles().flatMap((file) =>
      jestTitles(read(file), file)
        .filter((title) => !documented(title, rowTitles(file)))
        .map((title) => `${file}: ${title.text}`),
    );
    expect(missing).toEqual([]);
  });

  it('has a row for every pytest test function, in the section of its file', () => {
    const missing = pytestFiles().flatMap((file) => {
      const rows = rowTitles(file);
      return pytestNames(read(file))
        .filter((name) => !rows.some((row) => row === name || row.startsWith(`${name}[`)))
        .map((name) => `${file}: ${name}`);
    });
    expect(missing).toEqual([]);
  });

  it('has no row naming a test that does not exist', () => {
    const stale = [...jestFiles(), ...pytestFiles()].flatMap((file) => {
      if (file.endsWith('.py')) {
        const names = pytestNames(read(file));
        return rowTitles(file)
          .filter((row) => !names.includes(row.replace(/\[.*\]$/, '')))
          .map((row) => `${file}: ${row}`);
      }
      const titles = jestTitles(read(file), file);
      if (titles.some((title) => title.kind === 'dynamic')) return [];
      return rowTitles(file)
        .filter((row) => !titles.some((title) => documented(title, [row])))
        .map((row) => `${file}: ${row}`);
    });
    expect(stale).toEqual([]);
  });

  it('counts in the summary table exactly the rows of each file section', () => {
    const summary = new Map<string, number>();
    for (const line of markdown.split('\n')) {
      const [file, count] = line.startsWith('|') ? cells(line) : [];
      const link = /`([^`]+)`/.exec(file ?? '')?.[1];
      if (link !== undefined && sections.has(link) && /^\s*\d+\s*$/.test(count ?? '')) summary.set(link, Number(count));
    }
    const wrong = [...sections]
      .filter(([file, rows]) => summary.get(file) !== rows.length)
      .map(([file, rows]) => `${file}: summary ${summary.get(file)}, rows ${rows.length}`);
    expect(wrong).toEqual([]);
  });

  it('would notice an undocumented test: the checks above run on a made-up file', () => {
    const code = [
      "describe('group', () => {",
      '  it(\'plain `quoted` "title" | with a pipe\', () => {});',
      '  test(`template ${1 + 1} title`, () => {});',
      "  it.each([['a', 1]])('each %s with %i', () => {});",
      "  it.each([{ name: 'x' }])('$name', () => {});",
      "  it.each`\n    a\n    ${1}\n  `('tagged $a', () => {});",
      "  it.skip('skipped'); xit('x-ed'); describe('not a test', () => {});",
      "  const label = 'dynamic'; it(label, () => {});",
      '});',
    ].join('\n');
    const titles = jestTitles(code);
    expect(titles.map((title) => `${title.kind}: ${title.text}`)).toEqual([
      'literal: plain `quoted` "title" | with a pipe',
      'pattern: `template ${1 + 1} title`',
      'pattern: each %s with %i',
      'pattern: $name',
      'pattern: tagged $a',
      'literal: skipped',
      'literal: x-ed',
      'dynamic: label',
    ]);
    const doc = [
      '### `test/made-up.test.ts`',
      '',
      '| test | part | scope | strategy |',
      '|---|---|---|---|',
      '| `` plain `quoted` "title" \\| with a pipe `` | p | unit | s |',
      '| `template 2 title` | p | unit | s |',
      '| `each a with 1` | p | unit | s |',
      '| `x` | p | unit | s |',
      '| `tagged 1` | p | unit | s |',
      '| `skipped` | p | unit | s |',
      '',
      '## Next',
    ].join('\n');
    const rows = (docSections(doc).get('test/made-up.test.ts') ?? []).map((row) => cellTitle(row[0] ?? ''));
    expect(rows).toHaveLength(6);
    expect(titles.filter((title) => !documented(title, rows)).map((title) => title.text)).toEqual(['x-ed']);
    expect(
      pytestNames('def test_a():\n    pass\n\nclass TestB:\n    def test_b(self):\n        pass\ndef helper(): pass\n'),
    ).toEqual(['test_a', 'test_b']);
  });
});
