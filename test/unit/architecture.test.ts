/**
 * House rules that a reviewer would otherwise have to remember: the folders of src/ depend on each other in one
 * direction only (LAYERS below), each native or security-sensitive package is imported in one folder only, and the
 * libxmljs2 node APIs named in its unfixed advisories are never called.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const SRC = path.resolve(__dirname, '..', '..', 'src');

/**
 * The intended order of the folders of src/, lowest first: the one statement of it. A folder may import from the
 * levels below its own, never from its own level or above; folders that share a level do not import each other.
 * `main.ts`, the composition root, sits on top. A new folder has to be placed here before the suite passes.
 */
const LAYERS: readonly (readonly string[])[] = [
  // Knows nothing of the gateway: small helpers, the error vocabulary, tensor types and maths.
  ['lib', 'errors', 'tensor'],
  // The validated environment, and the password policy it holds ADMIN_PASSWORD to.
  ['config'],
  // Spans and metrics; everything above names its stages through telemetry/instrumentation.ts.
  ['telemetry'],
  // Upload formats; ONNX Runtime and batching.
  ['codec', 'inference'],
  // Model versions: discovery, loading, lifecycle, promotion. Declares the ports the store implements.
  ['registry'],
  // Routing, shadow and canary comparisons; drift monitoring. Both read model versions.
  ['traffic', 'drift'],
  // Accounts and sessions; predict rate limits; the prediction path.
  ['auth', 'admission', 'prediction'],
  // The adapters: the embedded database (implementing the ports of registry, traffic, telemetry and auth), and the
  // GraphQL API.
  ['store', 'graphql'],
  // HTTP.
  ['server'],
  ['main.ts'],
];

/** An import from one folder of src/ into another (a file at the root of src/ counts as its own folder). */
interface FolderImport {
  readonly from: string;
  readonly to: string;
}

/** The imports that run against `layers`: to the same level or a higher one, or from or to a folder not in it. */
function layerViolations(imports: readonly FolderImport[], layers: readonly (readonly string[])[]): FolderImport[] {
  const level = new Map(layers.flatMap((folders, i) => folders.map((folder) => [folder, i] as const)));
  return imports.filter(({ from, to }) => {
    const [a, b] = [level.get(from), level.get(to)];
    return from !== to && (a === undefined || b === undefined || b >= a);
  });
}

/** The folder cycles among `imports`: each strongly connected set of two or more folders, sorted (Tarjan). */
function folderCycles(imports: readonly FolderImport[]): string[][] {
  const edges = new Map<string, string[]>();
  for (const { from, to } of imports) {
    if (from === to) continue;
    edges.set(from, [...(edges.get(from) ?? []), to]);
    if (!edges.has(to)) edges.set(to, []);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node) ?? 0);
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (stack.includes(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = member === node ? undefined : stack.pop()) {
      component.push(member);
    }
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const node of edges.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

/**
 * Every module a source text imports, as written: `import … from`, `import '…'`, `export … from`,
 * `import x = require(…)`, `import(…)`, `require(…)` and `import('…')` types. Parsed, so comments and strings that
 * merely look like imports are not counted.
 */
function moduleSpecifiers(fileName: string, text: string): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined) {
      if (ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
    } else if (ts.isExternalModuleReference(node) && ts.isStringLiteral(node.expression)) {
      found.push(node.expression.text);
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const isImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      const [first] = node.arguments;
      if ((isImport || isRequire) && first !== undefined && ts.isStringLiteralLike(first)) found.push(first.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      if (ts.isStringLiteral(node.argument.literal)) found.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS));
  return found;
}

/** The folder of a path relative to src/: its first segment, or for a file at the root, the file's name. */
function folderOf(rel: string): string {
  const [first, ...rest] = rel.split('/');
  if (rest.length > 0) return first ?? rel;
  return rel.endsWith('.ts') ? rel : `${rel}.ts`;
}

function sources(dir: string = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

const files = sources().map((file) => {
  const text = readFileSync(file, 'utf8');
  return { rel: path.relative(SRC, file).split(path.sep).join('/'), text, imports: moduleSpecifiers(file, text) };
});

/** Each relative import of a source file that lands in src/, as the path (relative to src/) it resolves to. */
const localImports = files.flatMap(({ rel, imports }) =>
  imports
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => ({ rel, target: path.posix.normalize(path.posix.join(path.posix.dirname(rel), specifier)) }))
    .filter(({ target }) => !target.startsWith('../')),
);

const folderImports: FolderImport[] = localImports.map(({ rel, target }) => ({
  from: folderOf(rel),
  to: folderOf(target),
}));

function importers(pkg: string): string[] {
  return files.filter((f) => f.imports.some((s) => s === pkg || s.startsWith(`${pkg}/`))).map((f) => f.rel);
}

describe('layers', () => {
  it('places every folder of src/ on exactly one level, and names no folder that is not there', () => {
    const placed = LAYERS.flat();
    expect(new Set(placed).size).toBe(placed.length);
    expect([...new Set(files.map((f) => folderOf(f.rel)))].sort()).toEqual([...placed].sort());
  });

  it('finds every form of import: static, type-only, re-export, import-equals, dynamic, require, import type', () => {
    const text = [
      "import { a } from './a';",
      "import type { B } from '../b';",
      "import './c';",
      "export { d } from './d';",
      "export * from './e';",
      "import f = require('./f');",
      "const g = await import('./g');",
      "const h = require('./h');",
      "type I = import('./i').I;",
      "// import { j } from './j';",
      'const k = \'import { k } from "./k"\';',
    ].join('\n');
    expect(moduleSpecifiers('fabricated.ts', text)).toEqual([
      './a',
      '../b',
      './c',
      './d',
      './e',
      './f',
      './g',
      './h',
      './i',
    ]);
  });

  it('reports an import that runs against the order: upward, or between folders of one level', () => {
    const layers = [['errors'], ['config'], ['auth', 'registry'], ['store']];
    const imports: FolderImport[] = [
      { from: 'store', to: 'auth' },
      { from: 'auth', to: 'config' },
      { from: 'auth', to: 'auth' },
      { from: 'config', to: 'errors' },
      { from: 'config', to: 'auth' },
      { from: 'auth', to: 'registry' },
      { from: 'unplaced', to: 'errors' },
    ];
    expect(layerViolations(imports, layers)).toEqual([
      { from: 'config', to: 'auth' },
      { from: 'auth', to: 'registry' },
      { from: 'unplaced', to: 'errors' },
    ]);
  });

  it('imports only downward in src/', () => {
    expect(folderImports.length).toBeGreaterThan(0);
    const violations = layerViolations(folderImports, LAYERS);
    const offenders = localImports.filter(({ rel, target }) =>
      violations.some(({ from, to }) => from === folderOf(rel) && to === folderOf(target)),
    );
    expect(offenders.map(({ rel, target }) => `${rel} -> ${target}`)).toEqual([]);
  });

  it('reports a folder cycle, and src/ has none', () => {
    const fabricated: FolderImport[] = [
      { from: 'auth', to: 'store' },
      { from: 'store', to: 'auth' },
      { from: 'telemetry', to: 'graphql' },
      { from: 'graphql', to: 'server' },
      { from: 'server', to: 'telemetry' },
      { from: 'server', to: 'errors' },
    ];
    expect(folderCycles(fabricated)).toEqual(
      expect.arrayContaining([
        ['auth', 'store'],
        ['graphql', 'server', 'telemetry'],
      ]),
    );
    expect(folderCycles(fabricated)).toHaveLength(2);
    expect(folderCycles(folderImports)).toEqual([]);
  });

  it('keeps the stages to the Instrumentation seam: only the root, server, API and store import more of telemetry/', () => {
    const beyondSeam = localImports.filter(
      ({ rel, target }) =>
        folderOf(rel) !== 'telemetry' && folderOf(target) === 'telemetry' && target !== 'telemetry/instrumentation',
    );
    expect(beyondSeam.length).toBeGreaterThan(0);
    const allowed = ['main.ts', 'server', 'graphql', 'store'];
    expect(beyondSeam.filter(({ rel }) => !allowed.includes(folderOf(rel))).map(({ rel }) => rel)).toEqual([]);
  });
});

describe('architecture', () => {
  it.each([
    { pkg: 'onnxruntime-node', folder: 'inference/onnx/' },
    { pkg: 'libxmljs2', folder: 'codec/xml/libxml/' },
    { pkg: 'better-sqlite3', folder: 'store/' },
    { pkg: 'jsonwebtoken', folder: 'auth/' },
    { pkg: '@opentelemetry/sdk-node', folder: 'telemetry/' },
    { pkg: '@opentelemetry/api', folder: 'telemetry/' },
    { pkg: 'prom-client', folder: 'telemetry/' },
  ])('imports $pkg only under src/$folder', ({ pkg, folder }) => {
    const found = importers(pkg);
    expect(found.length).toBeGreaterThan(0);
    expect(found.filter((rel) => !rel.startsWith(folder))).toEqual([]);
  });

  it('never calls the libxmljs2 node APIs of its unfixed type-confusion advisories (attrs, namespaces)', () => {
    const libxml = files.filter((f) => f.rel.startsWith('codec/xml/'));
    expect(libxml.length).toBeGreaterThan(0);
    const calls = libxml.filter((f) =>
      /\.(attrs|namespaces)\s*\(/.test(f.text.replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '')),
    );
    expect(calls.map((f) => f.rel)).toEqual([]);
  });

  it('reads the environment in the configuration module and the composition root only', () => {
    const readers = files.filter((f) => /process\.env\b/.test(f.text)).map((f) => f.rel);
    // register.ts is the other entry point: preloaded to start tracing before anything else is loaded.
    expect(readers.filter((rel) => !['config/config.ts', 'main.ts', 'telemetry/register.ts'].includes(rel))).toEqual(
      [],
    );
  });
});
