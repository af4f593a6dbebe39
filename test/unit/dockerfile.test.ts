/**
 * Keeps the container image buildable and complete without a Docker engine: there is none on this machine or in the
 * CI job that runs the tests (the workflow's `image` job runs `docker build`, after them). Every context path a
 * `COPY`/`ADD` of the Dockerfile reads must exist and survive `.dockerignore`, every committed model version must be
 * copied into the image with the files the gateway reads, and docker-compose.yml's build contexts and bind mounts
 * must exist. The image's `.dockerignore` once excluded the held-out folder the Dockerfile copies from, and the image
 * shipped one of the two models: both are cases below.
 *
 * How the Dockerfile is read, and the limits of that:
 * - Parser directives (`# escape=`), comments, line continuations (also across comment lines) and heredocs are
 *   handled as BuildKit does; instruction names are case-insensitive.
 * - `COPY`/`ADD` sources are read in shell form (split on whitespace) and JSON-array form; the last argument is the
 *   destination. `--from=` sources come from a stage or an image, not the context, and are skipped, as are `ADD` URLs
 *   and heredoc sources. Sources are relative to the context even with a leading `/`.
 * - A source with `*`, `?` or `[` is a glob with Go's `filepath.Match` rules (what Docker uses): it must match at
 *   least one path that `.dockerignore` keeps. A source with `$` (variables), and the flags `--parents` and
 *   `--exclude`, are reported as not understood rather than checked wrongly.
 * - `.dockerignore` is matched by `@balena/dockerignore`, a port of Docker's matcher, case-sensitively as on Linux.
 * - Where files land in the image follows `WORKDIR` and the destination (a directory when it ends in `/`, when
 *   there are several sources or a glob; a directory source copies its contents). Only the last stage is the image.
 * - docker-compose.yml is read line by line, not as YAML: `build:` (a path, or a block with `context:` and
 *   `dockerfile:`) and short-syntax volumes whose host side is a relative path. Keys that name files some other way
 *   (`env_file`, `file:`, long-syntax `source:`, `extends`) are reported as not understood.
 */
import ignore, { type Ignore } from '@balena/dockerignore';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MODEL_NAME } from '../../src/registry/manifest';
import { VERSION_FOLDER } from '../../src/registry/model-discovery';

const REPO = path.resolve(__dirname, '..', '..');
const posix = path.posix;

// ------------------------------------------------------------------------------------------------ the Dockerfile

interface Instruction {
  /** Line of the Dockerfile where the instruction starts, from 1. */
  readonly line: number;
  readonly keyword: string;
  readonly args: string;
}

const isCommentOrBlank = (line: string): boolean => /^\s*(#.*)?$/.test(line);

function parseDockerfile(text: string): Instruction[] {
  const lines = text.split(/\r?\n/);
  let escape = '\\';
  let i = 0;
  // Parser directives are `# key=value` lines before anything else; the first other line ends them.
  for (; i < lines.length; i += 1) {
    const directive = /^#\s*([A-Za-z]+)\s*=\s*(\S+)\s*$/.exec(lines[i] ?? '');
    if (!directive) break;
    if (directive[1]?.toLowerCase() === 'escape') escape = directive[2] ?? escape;
  }
  const instructions: Instruction[] = [];
  while (i < lines.length) {
    const line = i + 1;
    let current = lines[i] ?? '';
    i += 1;
    if (isCommentOrBlank(current)) continue;
    let text = '';
    for (;;) {
      const trimmed = current.replace(/\s+$/, '');
      if (!trimmed.endsWith(escape)) {
        text += current;
        break;
      }
      text += trimmed.slice(0, -escape.length);
      // Comment and blank lines inside a continued instruction are dropped, as Docker does.
      while (i < lines.length && isCommentOrBlank(lines[i] ?? '')) i += 1;
      if (i >= lines.length) break;
      current = lines[i] ?? '';
      i += 1;
    }
    const match = /^\s*(\S+)\s*([\s\S]*)$/.exec(text);
    const keyword = (match?.[1] ?? '').toUpperCase();
    const args = match?.[2] ?? '';
    // A heredoc's body is part of its instruction: skip it so its lines are not read as instructions.
    if (['RUN', 'COPY', 'ADD'].includes(keyword)) {
      for (const heredoc of args.matchAll(/<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g)) {
        const strip = heredoc[1] === '-';
        while (i < lines.length) {
          const body = lines[i] ?? '';
          i += 1;
          if ((strip ? body.replace(/^\t+/, '') : body) === heredoc[3]) break;
        }
      }
    }
    instructions.push({ line, keyword, args });
  }
  return instructions;
}

interface CopyArgs {
  readonly flags: ReadonlyMap<string, string>;
  readonly sources: readonly string[];
  readonly dest: string | undefined;
}

function copyArgs(args: string): CopyArgs {
  const flags = new Map<string, string>();
  let rest = args.trim();
  for (let flag = /^--([A-Za-z-]+)(?:=(\S*))?\s*/.exec(rest); flag; flag = /^--([A-Za-z-]+)(?:=(\S*))?\s*/.exec(rest)) {
    flags.set(flag[1] ?? '', flag[2] ?? '');
    rest = rest.slice(flag[0].length);
  }
  let paths: string[] | undefined;
  if (rest.startsWith('[')) {
    // JSON form; anything that is not a JSON array of strings is shell form, as Docker reads it.
    try {
      const parsed: unknown = JSON.parse(rest);
      if (Array.isArray(parsed) && parsed.every((p): p is string => typeof p === 'string')) paths = parsed;
    } catch {
      paths = undefined;
    }
  }
  paths ??= rest.split(/\s+/).filter((p) => p.length > 0);
  return { flags, sources: paths.slice(0, -1), dest: paths.at(-1) };
}

const GLOB = /[*?[]/;

/** Go's `filepath.Match` for one path segment: `*`, `?`, `[...]` (negated by `^`), `\` escapes. */
function segmentRegex(segment: string): RegExp {
  let out = '';
  for (let i = 0; i < segment.length; i += 1) {
    const c = segment[i] ?? '';
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '\\') out += `\\${segment[(i += 1)] ?? '\\'}`;
    else if (c === '[') {
      const end = segment.indexOf(']', i + 2);
      if (end < 0) throw new Error(`unterminated character class in ${segment}`);
      const body = segment.slice(i + 1, end);
      out += body.startsWith('^') ? `[^${body.slice(1).replace(/\\/g, '\\\\')}]` : `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else out += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** Context paths (files and folders) matching a glob, segment by segment as Go's `filepath.Glob` walks. */
function expandGlob(context: string, pattern: string): string[] {
  let found = [''];
  for (const segment of pattern.split('/')) {
    const regex = GLOB.test(segment) ? segmentRegex(segment) : undefined;
    found = found.flatMap((dir) => {
      const full = path.join(context, dir);
      if (regex === undefined) return existsSync(path.join(full, segment)) ? [posix.join(dir, segment)] : [];
      if (!existsSync(full) || !statSync(full).isDirectory()) return [];
      return readdirSync(full)
        .filter((name) => regex.test(name))
        .map((name) => posix.join(dir, name));
    });
  }
  return found.sort();
}

/** The context as Docker sends it: `.dockerignore` applied. */
class BuildContext {
  private readonly ignored: Ignore;
  private readonly patterns: string[];

  constructor(
    readonly root: string,
    dockerignore: string,
  ) {
    this.patterns = dockerignore.split(/\r?\n/).map((p) => p.trim());
    this.ignored = ignore({ ignorecase: false }).add(this.patterns);
  }

  /** The last exclusion pattern that matches, to name in a report. */
  excludedBy(rel: string): string {
    const rules = this.patterns.filter((p) => p.length > 0 && !p.startsWith('#') && !p.startsWith('!'));
    return rules.filter((p) => ignore({ ignorecase: false }).add(p).ignores(rel)).at(-1) ?? '?';
  }

  isExcluded(rel: string): boolean {
    return this.ignored.ignores(rel);
  }

  isDirectory(rel: string): boolean {
    return statSync(path.join(this.root, rel)).isDirectory();
  }

  /** The files of a context path that reach the builder: itself if a file, the kept files under it if a folder. */
  sentFiles(rel: string): string[] {
    if (!this.isDirectory(rel)) return this.ignored.ignores(rel) ? [] : [rel];
    const hasExceptions = this.patterns.some((p) => p.startsWith('!'));
    const walk = (dir: string): string[] =>
      readdirSync(path.join(this.root, dir), { withFileTypes: true }).flatMap((entry) => {
        const child = posix.join(dir, entry.name);
        if (!entry.isDirectory()) return this.ignored.ignores(child) ? [] : [child];
        // An excluded folder can only send files back in through a `!` exception; without one it is skipped whole.
        return !hasExceptions && this.ignored.ignores(child) ? [] : walk(child);
      });
    return walk(rel).sort();
  }
}

interface DockerfileCheck {
  /** What would break or mislead `docker build`, one line each, naming the Dockerfile line. */
  readonly problems: string[];
  /** The files of the final image that come from the context: image path → context path. */
  readonly shipped: ReadonlyMap<string, string>;
  /** The final stage's `ENV`. */
  readonly env: ReadonlyMap<string, string>;
  /** How many context sources were checked (a parser that finds none would pass everything). */
  readonly sourcesChecked: number;
}

interface Stage {
  readonly name: string | undefined;
  workdir: string;
  readonly env: Map<string, string>;
}

function envPairs(args: string): [string, string][] {
  const unquote = (v: string): string => v.replace(/^"([\s\S]*)"$|^'([\s\S]*)'$/, '$1$2').replace(/\\(.)/g, '$1');
  const legacy = /^([A-Za-z_][A-Za-z0-9_]*)\s+([^=\s][\s\S]*)$/.exec(args.trim());
  if (legacy) return [[legacy[1] ?? '', unquote((legacy[2] ?? '').trim())]];
  return [...args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g)].map((m) => [
    m[1] ?? '',
    unquote(m[2] ?? ''),
  ]);
}

function checkDockerfile(contextDir: string, dockerfile: string, dockerignore: string): DockerfileCheck {
  const context = new BuildContext(contextDir, dockerignore);
  const problems: string[] = [];
  const stages: Stage[] = [];
  let shipped = new Map<string, string>();
  let sourcesChecked = 0;
  for (const { line, keyword, args } of parseDockerfile(dockerfile)) {
    const at = `Dockerfile:${line}`;
    if (keyword === 'FROM') {
      const from = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?\s*$/i.exec(args.trim());
      const base = stages.find((s) => s.name !== undefined && s.name === from?.[1]?.toLowerCase());
      stages.push({ name: from?.[2]?.toLowerCase(), workdir: base?.workdir ?? '/', env: new Map(base?.env) });
      shipped = new Map();
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) continue;
    if (keyword === 'WORKDIR') stage.workdir = posix.resolve(stage.workdir, args.trim());
    if (keyword === 'ENV') for (const [key, value] of envPairs(args)) stage.env.set(key, value);
    if (keyword !== 'COPY' && keyword !== 'ADD') continue;

    const { flags, sources, dest } = copyArgs(args);
    if (flags.has('from')) continue;
    if (dest === undefined || sources.length === 0) {
      problems.push(`${at}: ${keyword} needs at least one source and a destination`);
      continue;
    }
    const unknown = ['parents', 'exclude'].filter((flag) => flags.has(flag));
    if (unknown.length > 0) {
      problems.push(`${at}: ${keyword} --${unknown.join(', --')} is not understood by this check`);
      continue;
    }
    const target = posix.resolve(stage.workdir, dest);
    const intoFolder = dest.endsWith('/') || sources.length > 1 || sources.some((s) => GLOB.test(s));
    for (const source of sources) {
      if (source.startsWith('<<')) continue; // a heredoc: the file's text is in the Dockerfile
      if (keyword === 'ADD' && /^([a-z][a-z0-9+.-]*:\/\/|git@)/i.test(source)) continue; // fetched, not from the context
      sourcesChecked += 1;
      const quoted = `${keyword} source "${source}"`;
      if (source.includes('$')) {
        problems.push(`${at}: ${quoted} uses a variable, which this check does not expand`);
        continue;
      }
      const rel = posix.normalize(source.replace(/^\/+/, '')).replace(/\/+$/, '');
      if (rel === '..' || rel.startsWith('../')) {
        problems.push(`${at}: ${quoted} is outside the build context`);
        continue;
      }
      const matches = GLOB.test(rel)
        ? expandGlob(context.root, rel)
        : existsSync(path.join(contextDir, rel))
          ? [rel]
          : [];
      // A kept empty folder is still sent; an excluded folder only with files an exception brings back.
      const sent = matches.filter(
        (m) => context.sentFiles(m).length > 0 || (context.isDirectory(m) && !context.isExcluded(m)),
      );
      if (matches.length === 0) {
        problems.push(
          `${at}: ${quoted} ${GLOB.test(rel) ? 'matches nothing in' : 'does not exist in'} the build context`,
        );
        continue;
      }
      if (sent.length === 0) {
        problems.push(`${at}: ${quoted} is excluded by .dockerignore ("${context.excludedBy(matches[0] ?? rel)}")`);
        continue;
      }
      for (const match of sent) {
        for (const file of context.sentFiles(match)) {
          // A folder source copies its contents, not itself.
          const image = context.isDirectory(match)
            ? posix.join(target, posix.relative(match, file))
            : intoFolder
              ? posix.join(target, posix.basename(file))
              : target;
          shipped.set(image, file);
        }
      }
    }
  }
  return { problems, shipped, env: stages.at(-1)?.env ?? new Map(), sourcesChecked };
}

/**
 * The files of each model version that the image must hold under `MODELS_DIR`, and are not there: the manifest, the
 * model file and the golden data it names (`heldout.inputs`, `heldout.expectedOutputs`: the promotion gate and
 * registerModel read them). `versions` are context paths `models/<name>/<version>`.
 */
function unshippedModelFiles(contextDir: string, versions: readonly string[], check: DockerfileCheck): string[] {
  const modelsDir = check.env.get('MODELS_DIR');
  if (modelsDir === undefined) return ['the final stage sets no MODELS_DIR, so where models go is unknown'];
  return versions.flatMap((version) => {
    const manifest: unknown = JSON.parse(readFileSync(path.join(contextDir, version, 'manifest.json'), 'utf8'));
    const field = (object: unknown, key: string): unknown =>
      typeof object === 'object' && object !== null ? (object as Record<string, unknown>)[key] : undefined;
    const heldout = field(manifest, 'heldout');
    const needed = [
      'manifest.json',
      field(manifest, 'file'),
      field(heldout, 'inputs'),
      field(heldout, 'expectedOutputs'),
    ];
    return needed
      .filter((rel): rel is string => typeof rel === 'string')
      .filter((rel) => {
        const image = posix.join(modelsDir, posix.relative('models', version), rel);
        return check.shipped.get(image) !== posix.join(version, rel);
      })
      .map(
        (rel) =>
          `${posix.join(version, rel)} is not copied to ${posix.join(modelsDir, posix.relative('models', version), rel)}`,
      );
  });
}

/** The committed model versions (the folders the gateway would serve): `models/<name>/<version>`. */
function committedVersions(): string[] {
  let files: string[];
  try {
    files = execFileSync('git', ['-c', `safe.directory=${REPO}`, 'ls-files', '-z', '--', 'models'], {
      cwd: REPO,
      encoding: 'utf8',
    }).split('\0');
  } catch {
    // Not a git checkout (an unpacked archive, say): what is on disk is what was shipped.
    files = readdirSync(path.join(REPO, 'models'), { recursive: true, encoding: 'utf8' }).map(
      (f) => `models/${f.split(path.sep).join('/')}`,
    );
  }
  return files
    .map((f) => /^(models\/([^/]+)\/([^/]+))\/manifest\.json$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null && MODEL_NAME.test(m[2] ?? '') && VERSION_FOLDER.test(m[3] ?? ''))
    .map((m) => m[1] ?? '')
    .sort();
}

// ------------------------------------------------------------------------------------------ docker-compose.yml

interface ComposeReferences {
  readonly builds: readonly { readonly line: number; readonly context: string; readonly dockerfile: string }[];
  readonly mounts: readonly { readonly line: number; readonly hostPath: string }[];
  readonly problems: readonly string[];
}

function composeReferences(compose: string): ComposeReferences {
  const lines = compose.split(/\r?\n/);
  const builds: { line: number; context: string; dockerfile: string }[] = [];
  const mounts: { line: number; hostPath: string }[] = [];
  const problems: string[] = [];
  const unquote = (v: string): string => v.trim().replace(/^(['"])(.*)\1$/, '$2');
  lines.forEach((text, index) => {
    const line = index + 1;
    if (/^\s*#/.test(text)) return;
    const build = /^(\s*)build:\s*(.*?)\s*$/.exec(text);
    if (build) {
      if ((build[2] ?? '') !== '') {
        builds.push({ line, context: unquote(build[2] ?? ''), dockerfile: 'Dockerfile' });
        return;
      }
      // The block form: the keys indented below `build:`.
      const indent = (build[1] ?? '').length;
      const entry = { line, context: '.', dockerfile: 'Dockerfile' };
      for (const below of lines.slice(index + 1)) {
        if (below.trim() === '' || /^\s*#/.test(below)) continue;
        if ((/^\s*/.exec(below)?.[0].length ?? 0) <= indent) break;
        const key = /^\s*(context|dockerfile):\s*(.+?)\s*$/.exec(below);
        if (key?.[1] === 'context') entry.context = unquote(key[2] ?? '');
        if (key?.[1] === 'dockerfile') entry.dockerfile = unquote(key[2] ?? '');
      }
      builds.push(entry);
      return;
    }
    const mount = /^\s*-\s*(['"]?)(\.{1,2}(?:\/[^:'"]*)?):[^'"]*\1\s*$/.exec(text);
    if (mount) mounts.push({ line, hostPath: mount[2] ?? '' });
    const other = /^\s*(env_file|file|source|extends):/.exec(text);
    if (other)
      problems.push(`docker-compose.yml:${line}: "${other[1]}:" names a file in a way this check does not read`);
  });
  return { builds, mounts, problems };
}

function composeProblems(root: string, compose: string): string[] {
  const refs = composeReferences(compose);
  return [
    ...refs.problems,
    ...refs.builds.flatMap(({ line, context, dockerfile }) => {
      const dir = path.resolve(root, context);
      if (!existsSync(dir)) return [`docker-compose.yml:${line}: build context ${context} does not exist`];
      if (!existsSync(path.resolve(dir, dockerfile)))
        return [`docker-compose.yml:${line}: ${dockerfile} is not in ${context}`];
      const ignorePath = path.join(dir, '.dockerignore');
      const check = checkDockerfile(
        dir,
        readFileSync(path.resolve(dir, dockerfile), 'utf8'),
        existsSync(ignorePath) ? readFileSync(ignorePath, 'utf8') : '',
      );
      return check.problems.map((p) => `${context}/${p}`);
    }),
    ...refs.mounts
      .filter(({ hostPath }) => !existsSync(path.resolve(root, hostPath)))
      .map(({ line, hostPath }) => `docker-compose.yml:${line}: bind mount ${hostPath} does not exist`),
  ];
}

// ----------------------------------------------------------------------------------------------------------- tests

const read = (rel: string): string => readFileSync(path.join(REPO, rel), 'utf8');

describe('the Dockerfile and its build context (no Docker engine here: checked by reading them)', () => {
  it('reads every COPY source from the build context, none missing or excluded by .dockerignore', () => {
    const check = checkDockerfile(REPO, read('Dockerfile'), read('.dockerignore'));
    expect(check.problems).toEqual([]);
    expect(check.sourcesChecked).toBeGreaterThanOrEqual(10);
    expect([...check.shipped.values()]).toContain('schema/schema.graphql');
  });

  it('ships every committed model version with its manifest, model file and golden data', () => {
    const versions = committedVersions();
    expect(versions).toEqual(expect.arrayContaining(['models/ecg-rhythm/1', 'models/ecg-rhythm-large/1']));
    const check = checkDockerfile(REPO, read('Dockerfile'), read('.dockerignore'));
    expect(unshippedModelFiles(REPO, versions, check)).toEqual([]);
  });

  it('builds docker-compose.yml from a context that has the Dockerfile, and mounts folders that exist', () => {
    const compose = read('docker-compose.yml');
    expect(composeReferences(compose).builds).toEqual([
      { line: expect.any(Number), context: '.', dockerfile: 'Dockerfile' },
    ]);
    expect(composeReferences(compose).mounts.length).toBeGreaterThan(0);
    expect(composeProblems(REPO, compose)).toEqual([]);
  });
});

describe('the Dockerfile check, on contexts made for it', () => {
  let context: string;
  const write = (rel: string, text = 'x'): void => {
    mkdirSync(path.dirname(path.join(context, rel)), { recursive: true });
    writeFileSync(path.join(context, rel), text);
  };
  const manifest = JSON.stringify({
    file: 'model.onnx',
    heldout: { inputs: 'heldout/inputs.npy', expectedOutputs: 'heldout/expected_outputs.npy' },
  });
  const problems = (dockerfile: string, dockerignore = ''): string[] =>
    checkDockerfile(context, dockerfile, dockerignore).problems;

  beforeEach(() => {
    context = mkdtempSync(path.join(tmpdir(), 'infergraph-docker-'));
    for (const model of ['small', 'large']) {
      write(`models/${model}/1/manifest.json`, manifest);
      for (const file of ['model.onnx', 'heldout/inputs.npy', 'heldout/expected_outputs.npy', 'heldout/inputs.xml'])
        write(`models/${model}/1/${file}`);
    }
    write('package.json');
    write('src/main.ts');
    write('src/lib/util.ts');
  });
  afterEach(() => rmSync(context, { recursive: true, force: true }));

  it('reports the bug it was written for: a COPY from a folder that .dockerignore excludes', () => {
    const dockerfile = [
      'FROM node:20 AS build',
      'WORKDIR /app',
      'COPY models/small/1/heldout/inputs.npy models/small/1/heldout/expected_outputs.npy ./models/small/1/heldout/',
    ].join('\n');
    expect(problems(dockerfile, 'node_modules\nmodels/*/*/heldout\n')).toEqual([
      'Dockerfile:3: COPY source "models/small/1/heldout/inputs.npy" is excluded by .dockerignore ("models/*/*/heldout")',
      'Dockerfile:3: COPY source "models/small/1/heldout/expected_outputs.npy" is excluded by .dockerignore ("models/*/*/heldout")',
    ]);
    expect(problems(dockerfile, 'models/*/*/heldout/inputs.xml\n')).toEqual([]);
    expect(problems(dockerfile, 'models/*/*/heldout\n!models/*/*/heldout/*.npy\n')).toEqual([]);
  });

  it('reports the other bug: a committed model version the image does not ship', () => {
    const dockerfile = [
      'FROM node:20',
      'ENV NODE_ENV=production MODELS_DIR=/app/models',
      'WORKDIR /app',
      'COPY models/small/1/manifest.json models/small/1/model.onnx ./models/small/1/',
      'COPY models/small/1/heldout/inputs.npy models/small/1/heldout/expected_outputs.npy ./models/small/1/heldout/',
    ].join('\n');
    const check = checkDockerfile(context, dockerfile, '');
    expect(check.problems).toEqual([]);
    expect(unshippedModelFiles(context, ['models/small/1', 'models/large/1'], check)).toEqual([
      'models/large/1/manifest.json is not copied to /app/models/large/1/manifest.json',
      'models/large/1/model.onnx is not copied to /app/models/large/1/model.onnx',
      'models/large/1/heldout/inputs.npy is not copied to /app/models/large/1/heldout/inputs.npy',
      'models/large/1/heldout/expected_outputs.npy is not copied to /app/models/large/1/heldout/expected_outputs.npy',
    ]);
    // A whole-folder copy ships everything .dockerignore keeps, and what it excludes is not counted as shipped.
    const folder = checkDockerfile(
      context,
      'FROM node:20\nENV MODELS_DIR=/srv/m\nCOPY models /srv/m',
      'models/large/*/heldout',
    );
    expect(unshippedModelFiles(context, ['models/small/1', 'models/large/1'], folder)).toEqual([
      'models/large/1/heldout/inputs.npy is not copied to /srv/m/large/1/heldout/inputs.npy',
      'models/large/1/heldout/expected_outputs.npy is not copied to /srv/m/large/1/heldout/expected_outputs.npy',
    ]);
  });

  it('reports a source that does not exist, in shell form and JSON form, with several sources', () => {
    expect(
      problems('FROM node:20\nCOPY package.json missing.json ./\nCOPY ["src/main.ts", "src/gone.ts", "/app/"]'),
    ).toEqual([
      'Dockerfile:2: COPY source "missing.json" does not exist in the build context',
      'Dockerfile:3: COPY source "src/gone.ts" does not exist in the build context',
    ]);
  });

  it('reads sources of another stage or image (--from), URLs and heredocs as not from the context', () => {
    const dockerfile = [
      'FROM node:20 AS build',
      'RUN <<EOF',
      'COPY not-an-instruction ./',
      'EOF',
      'FROM node:20',
      'COPY --from=build /app/dist ./dist',
      'COPY --chown=node:node --from=node:20 /usr/local/bin/node /usr/local/bin/',
      'ADD https://example.com/archive.tar.gz /tmp/',
      'COPY <<EOF /app/config.txt',
      'text',
      'EOF',
      'COPY package.json ./',
    ].join('\n');
    const check = checkDockerfile(context, dockerfile, '');
    expect(check.problems).toEqual([]);
    expect(check.sourcesChecked).toBe(1);
  });

  it('joins continued lines (across comments), honours the escape directive and lowercase instructions', () => {
    expect(problems('FROM node:20\ncopy package.json \\\n# a comment\n  missing.json ./\n')).toEqual([
      'Dockerfile:2: COPY source "missing.json" does not exist in the build context',
    ]);
    expect(problems('# escape=`\nFROM node:20\nCOPY package.json `\n  missing.json C:\\app\\\n')).toEqual([
      'Dockerfile:3: COPY source "missing.json" does not exist in the build context',
    ]);
  });

  it('matches globs as Docker does: one path segment per *, against what .dockerignore keeps', () => {
    expect(problems('FROM node:20\nCOPY models/*/1/manifest.json ./m/')).toEqual([]);
    expect(problems('FROM node:20\nCOPY src/*.ts src/[a-l]*/util.ts ./s/')).toEqual([]);
    expect(problems('FROM node:20\nCOPY *.ts ./s/')).toEqual([
      'Dockerfile:2: COPY source "*.ts" matches nothing in the build context',
    ]);
    expect(problems('FROM node:20\nCOPY models/*/1/heldout/*.xml ./x/', '**/*.xml')).toEqual([
      'Dockerfile:2: COPY source "models/*/1/heldout/*.xml" is excluded by .dockerignore ("**/*.xml")',
    ]);
  });

  it('reports a folder source that .dockerignore excludes whole, and maps a kept folder into the image', () => {
    expect(problems('FROM node:20\nCOPY src ./src', 'src')).toEqual([
      'Dockerfile:2: COPY source "src" is excluded by .dockerignore ("src")',
    ]);
    const check = checkDockerfile(
      context,
      'FROM node:20\nWORKDIR /app\nCOPY src ./code\nCOPY package.json ./pkg.json',
      'src/lib',
    );
    expect(check.problems).toEqual([]);
    expect([...check.shipped]).toEqual([
      ['/app/code/main.ts', 'src/main.ts'],
      ['/app/pkg.json', 'package.json'],
    ]);
  });

  it('reports what it cannot check instead of passing it: variables, --parents, --exclude, the outside', () => {
    const dockerfile = [
      'FROM node:20',
      'ARG F=package.json',
      'COPY $F ./',
      'COPY --parents src ./',
      'COPY --exclude=*.md src ./',
      'COPY ../x ./',
    ].join('\n');
    expect(problems(dockerfile)).toEqual([
      'Dockerfile:3: COPY source "$F" uses a variable, which this check does not expand',
      'Dockerfile:4: COPY --parents is not understood by this check',
      'Dockerfile:5: COPY --exclude is not understood by this check',
      'Dockerfile:6: COPY source "../x" is outside the build context',
    ]);
  });

  it('reads docker-compose.yml build contexts and bind mounts, and what it cannot read', () => {
    write('Dockerfile', 'FROM node:20\nCOPY package.json ./');
    write('otel/prometheus.yml');
    const compose = [
      'services:',
      '  a:',
      '    build: .',
      '    volumes:',
      '      - ./otel:/etc/otel:ro',
      '      - ./nope:/etc/nope',
      '      - named-volume:/data',
      '  b:',
      '    build:',
      '      context: ./src',
      '      dockerfile: Dockerfile.b',
      '    env_file: .env',
    ].join('\n');
    expect(composeProblems(context, compose)).toEqual([
      'docker-compose.yml:12: "env_file:" names a file in a way this check does not read',
      'docker-compose.yml:9: Dockerfile.b is not in ./src',
      'docker-compose.yml:6: bind mount ./nope does not exist',
    ]);
  });
});
