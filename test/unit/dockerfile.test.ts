/**
 * Keeps the container image buildable and complete without a Docker engine: there is none on this machine or in the
 * CI job that runs the tests (the workflow's `image` job runs `docker build`, after them). Every context path a
 * `COPY`/`ADD` of the Dockerfile reads must exist and survive `.dockerignore`, every committed model version must be
 * copied into the image with the files the gateway reads, and docker-compose.yml's build contexts and host paths
 * must exist. The image's `.dockerignore` once excluded the held-out folder the Dockerfile copies from, and the image
 * shipped one of the two models: both are cases below.
 *
 * Nothing here parses by hand:
 * - The Dockerfile is read by `dockerfile-ast` (the parser of VS Code's Docker language server): directives,
 *   continuations, comments, heredocs, flags. Where it is not Docker, the code says so (see {@link copyPaths}).
 * - `.dockerignore` and `COPY` globs are matched by `@balena/dockerignore`, a port of Docker's matcher,
 *   case-sensitively as on Linux (see {@link expandGlob} for where it is not Go's `filepath.Match`).
 * - docker-compose.yml is parsed by `yaml` and its shape checked by `zod`; manifests are read by the gateway's own
 *   `manifestProblems`, so "the files the gateway reads" are the ones its reader names.
 *
 * `--from=` sources (a stage or an image), `ADD` URLs and `COPY` heredocs are not from the context and are skipped.
 * What this check cannot read faithfully (variables, `--parents`, `--exclude`, `ADD` heredocs, compose keys it does
 * not follow) is reported as not understood, never passed. Only the last stage is the image.
 */
import ignore, { type Ignore } from '@balena/dockerignore';
import { Add, Copy, DockerfileParser, Env, From, Workdir } from 'dockerfile-ast';
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
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { MODEL_NAME, manifestProblems } from '../../src/registry/manifest';
import { VERSION_FOLDER } from '../../src/registry/model-discovery';

const REPO = path.resolve(__dirname, '..', '..');
const posix = path.posix;
const GLOB = /[*?[]/;

// ------------------------------------------------------------------------------------------------ the Dockerfile

/**
 * The paths of a `COPY`/`ADD` after its flags, destination last; `undefined` for an `ADD` heredoc.
 *
 * dockerfile-ast splits arguments on whitespace even in JSON form (`["a b", "c"]` gives `["a`, `b",`, `"c"]`), and
 * its `getJSONStrings()` drops spaces inside strings (`"ab"`) and accepts a malformed array. Docker takes JSON form
 * only when the arguments (flags removed, continuations joined: `getArgumentsContent()`) are a JSON array of
 * strings, so `JSON.parse` decides; anything else is shell form, as in Docker.
 *
 * Heredoc bodies are among the arguments too: they are cut off where the first body starts. Only `Copy` exposes
 * `getHeredocs()` (on `Add` it is protected), so an `ADD` heredoc is not read.
 */
function copyPaths(instruction: Copy | Add): string[] | undefined {
  if (instruction.getOpeningBracket() !== null) {
    try {
      const parsed: unknown = JSON.parse(instruction.getArgumentsContent() ?? '');
      if (Array.isArray(parsed) && parsed.every((p) => typeof p === 'string')) return parsed;
    } catch {
      // Shell form, below.
    }
  }
  const args = instruction.getArguments();
  if (instruction instanceof Add)
    return args.some((a) => a.getValue().startsWith('<<')) ? undefined : args.map((a) => a.getValue());
  const bodies = instruction.getHeredocs().map((h) => (h.getContentRange() ?? h.getDelimiterRange())?.start.line);
  const firstBody = Math.min(...bodies.map((line) => line ?? Infinity));
  return args.filter((a) => a.getRange().start.line < firstBody).map((a) => a.getValue());
}

/** A `.dockerignore`-style matcher, case-sensitive as on Linux (the library's default ignores case). */
const matcher = (patterns: string[]): Ignore => ignore({ ignorecase: false }).add(patterns);

/**
 * Context paths (files and folders) matching a `COPY` glob, walked one segment at a time as Go's `filepath.Glob`
 * does (a segment is matched against the names of a folder, so `*` never crosses `/`). Each segment is matched by
 * @balena/dockerignore, which turns it into a regular expression as Docker's `.dockerignore` matcher does: `*`, `?`,
 * `[...]`, `[^...]` and `\` escapes mean what they mean in `filepath.Match`. Where it differs (`**`, which is one
 * `*` in `filepath.Match`; `+ ( ) { } |` and a `^` outside `[^`, which it passes to the regular expression; a
 * leading `!` or `#`, which it reads as negation or comment), the caller reports the source as not understood.
 */
function expandGlob(root: string, pattern: string): string[] {
  let found = [''];
  for (const segment of pattern.split('/')) {
    const segmentMatcher = GLOB.test(segment) ? matcher([segment]) : undefined;
    found = found.flatMap((dir) => {
      const full = path.join(root, dir);
      if (segmentMatcher === undefined) return existsSync(path.join(full, segment)) ? [posix.join(dir, segment)] : [];
      if (!existsSync(full) || !statSync(full).isDirectory()) return [];
      return readdirSync(full)
        .filter((name) => segmentMatcher.ignores(name))
        .map((name) => posix.join(dir, name));
    });
  }
  return found.sort();
}
const MATCHER_DIFFERS = /\*\*|[+(){}|]|(?<!\[)\^|(?:^|\/)[!#]/;

/** The build context as Docker sends it: `.dockerignore` applied. */
function buildContext(root: string, dockerignore: string) {
  const patterns = dockerignore.split(/\r?\n/).map((p) => p.trim());
  const ignored = matcher(patterns);
  const isExcluded = (rel: string): boolean => ignored.ignores(rel);
  const isDirectory = (rel: string): boolean => statSync(path.join(root, rel)).isDirectory();
  return {
    isExcluded,
    isDirectory,
    /** The last exclusion pattern that matches, to name in a report. */
    excludedBy: (rel: string): string =>
      patterns.filter((p) => !/^(!|#|$)/.test(p) && matcher([p]).ignores(rel)).at(-1) ?? '?',
    /** The files of a context path that reach the builder: itself if a file, the kept files under it if a folder. */
    sentFiles: (rel: string): string[] =>
      !isDirectory(rel)
        ? [rel].filter((f) => !isExcluded(f))
        : readdirSync(path.join(root, rel), { recursive: true, encoding: 'utf8' })
            .map((f) => posix.join(rel, f.split(path.sep).join('/')))
            .filter((f) => !isDirectory(f) && !isExcluded(f))
            .sort(),
  };
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

function checkDockerfile(contextDir: string, dockerfile: string, dockerignore: string): DockerfileCheck {
  const context = buildContext(contextDir, dockerignore);
  const problems: string[] = [];
  // Named stages, so that `FROM <stage>` starts from its WORKDIR and ENV (names are case-insensitive).
  const named = new Map<string, { workdir: string; env: Map<string, string> }>();
  let stage: { workdir: string; env: Map<string, string> } | undefined;
  let shipped = new Map<string, string>();
  let sourcesChecked = 0;
  for (const instruction of DockerfileParser.parse(dockerfile).getInstructions()) {
    const at = `Dockerfile:${instruction.getRange().start.line + 1}`;
    if (instruction instanceof From) {
      const base = named.get(instruction.getImageName()?.toLowerCase() ?? '');
      stage = { workdir: base?.workdir ?? '/', env: new Map(base?.env) };
      const name = instruction.getBuildStage();
      if (name !== null) named.set(name.toLowerCase(), stage);
      shipped = new Map();
    }
    if (stage === undefined) continue;
    if (instruction instanceof Workdir) {
      const dir = instruction.getPath() ?? '';
      if (dir.includes('$')) problems.push(`${at}: WORKDIR "${dir}" uses a variable, which this check does not expand`);
      stage.workdir = posix.resolve(stage.workdir, dir);
    }
    if (instruction instanceof Env)
      for (const p of instruction.getProperties()) stage.env.set(p.getName(), p.getValue() ?? '');
    if (!(instruction instanceof Copy || instruction instanceof Add)) continue;

    const keyword = instruction.getKeyword();
    const flags = instruction.getFlags().map((f) => f.getName());
    if (flags.includes('from')) continue;
    const paths = copyPaths(instruction);
    if (paths === undefined) {
      problems.push(`${at}: ADD from a heredoc is not understood by this check`);
      continue;
    }
    const sources = paths.slice(0, -1);
    const dest = paths.at(-1);
    if (dest === undefined || sources.length === 0) {
      problems.push(`${at}: ${keyword} needs at least one source and a destination`);
      continue;
    }
    const unknown = flags.filter((flag) => flag === 'parents' || flag === 'exclude');
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
      const rel = posix.normalize(source.replace(/^\/+/, '')).replace(/\/+$/, ''); // relative to the context
      const glob = GLOB.test(rel);
      const notUnderstood = source.includes('$')
        ? 'uses a variable, which this check does not expand'
        : glob && MATCHER_DIFFERS.test(rel)
          ? 'is a glob that @balena/dockerignore would not match as filepath.Match does'
          : rel === '..' || rel.startsWith('../')
            ? 'is outside the build context'
            : undefined;
      if (notUnderstood !== undefined) {
        problems.push(`${at}: ${quoted} ${notUnderstood}`);
        continue;
      }
      const matches = glob ? expandGlob(contextDir, rel) : existsSync(path.join(contextDir, rel)) ? [rel] : [];
      if (matches.length === 0) {
        problems.push(`${at}: ${quoted} ${glob ? 'matches nothing in' : 'does not exist in'} the build context`);
        continue;
      }
      // A kept empty folder is still sent; an excluded folder only with files an exception brings back.
      const sent = matches.filter(
        (m) => context.sentFiles(m).length > 0 || (context.isDirectory(m) && !context.isExcluded(m)),
      );
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
  return { problems, shipped, env: stage?.env ?? new Map(), sourcesChecked };
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
    const manifest = manifestProblems(
      JSON.parse(readFileSync(path.join(contextDir, version, 'manifest.json'), 'utf8')),
    );
    if (Array.isArray(manifest)) return manifest.map((p) => `${version}/manifest.json: ${p}`);
    // What its preprocessing reads when it loads (a text model's vocabulary) is needed as much as the model.
    const vocabulary = manifest.input.kind === 'text' ? manifest.input.text.vocabulary : undefined;
    const needed = [
      'manifest.json',
      manifest.file,
      vocabulary,
      manifest.heldout?.inputs,
      manifest.heldout?.expectedOutputs,
    ];
    return needed
      .filter((rel) => rel !== undefined)
      .map((rel) => [posix.join(version, rel), posix.join(modelsDir, posix.relative('models', version), rel)])
      .filter(([file, image]) => check.shipped.get(image ?? '') !== file)
      .map(([file, image]) => `${file} is not copied to ${image}`);
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

/**
 * The keys of the Compose file format that this check follows to files of the repository; objects are loose, as
 * most keys (ports, environment...) name no file. Keys that do and are not followed are in NOT_FOLLOWED.
 */
const composeSchema = z.looseObject({
  services: z.record(
    z.string(),
    z
      .looseObject({
        build: z
          .union([z.string(), z.looseObject({ context: z.string().default('.'), dockerfile: z.string().optional() })])
          .optional(),
        volumes: z.array(z.union([z.string(), z.looseObject({ type: z.string(), source: z.string().optional() })])),
        env_file: z.union([
          z.string(),
          z.array(z.union([z.string(), z.object({ path: z.string(), required: z.boolean().default(true) })])),
        ]),
      })
      .partial(),
  ),
});
const NOT_FOLLOWED = {
  top: ['include', 'configs', 'secrets'],
  service: ['extends', 'label_file', 'develop'],
  build: ['dockerfile_inline', 'additional_contexts'],
} as const;

/**
 * What in docker-compose.yml would not work: a build context without its Dockerfile (a Dockerfile found is checked
 * too), a host path of the repository that does not exist (relative bind mounts, env files), and what this check
 * does not follow. `checked` names each reference read (a reader that finds none would pass everything).
 */
function checkCompose(root: string, text: string): { problems: string[]; checked: string[] } {
  const compose = composeSchema.parse(parseYaml(text));
  const problems: string[] = [];
  const checked: string[] = [];
  const report = (at: string, problem: string): number => problems.push(`docker-compose.yml ${at}: ${problem}`);
  const notFollowed = (at: string, object: object, keys: readonly string[]): void =>
    keys
      .filter((key) => key in object)
      .forEach((key) => report(at + key, 'names files in a way this check does not read'));
  const hasVariable = (at: string, ...values: string[]): boolean => {
    if (!values.some((v) => v.includes('$'))) return false;
    report(at, 'uses a variable, which this check does not expand');
    return true;
  };
  const hostPath = (at: string, rel: string): void => {
    checked.push(at);
    if (!hasVariable(at, rel) && !existsSync(path.resolve(root, rel))) report(at, `${rel} does not exist`);
  };
  const build = (at: string, context: string, dockerfile: string): void => {
    checked.push(at);
    const dir = path.resolve(root, context);
    if (hasVariable(at, context, dockerfile)) return;
    if (!existsSync(dir)) report(at, `build context ${context} does not exist`);
    else if (!existsSync(path.resolve(dir, dockerfile))) report(at, `${dockerfile} is not in ${context}`);
    else {
      const dockerignore = path.join(dir, '.dockerignore');
      const check = checkDockerfile(
        dir,
        readFileSync(path.resolve(dir, dockerfile), 'utf8'),
        existsSync(dockerignore) ? readFileSync(dockerignore, 'utf8') : '',
      );
      problems.push(...check.problems.map((p) => `${context}/${p}`));
    }
  };
  notFollowed('', compose, NOT_FOLLOWED.top);
  for (const [name, service] of Object.entries(compose.services)) {
    const at = `services.${name}`;
    notFollowed(`${at}.`, service, NOT_FOLLOWED.service);
    if (typeof service.build === 'string') build(`${at}.build`, service.build, 'Dockerfile');
    else if (service.build !== undefined) {
      notFollowed(`${at}.build.`, service.build, NOT_FOLLOWED.build);
      build(`${at}.build`, service.build.context, service.build.dockerfile ?? 'Dockerfile');
    }
    (service.volumes ?? []).forEach((volume, i) => {
      // Short syntax `host:container[:mode]` binds a host path when `host` starts with `.` (in the repository) or with
      // `/` or `~` (on the host machine, not checked); otherwise it names a volume. Long syntax says `type: bind`.
      // A host side with a variable is kept, to be reported.
      const host =
        typeof volume === 'string' ? /^([^:]+):/.exec(volume)?.[1] : volume.type === 'bind' ? volume.source : undefined;
      if (host !== undefined && /^\.|\$/.test(host)) hostPath(`${at}.volumes[${i}]`, host);
    });
    [service.env_file ?? []].flat().forEach((ref, i) => {
      // An env file marked `required: false` may be absent.
      if (typeof ref === 'string' || ref.required)
        hostPath(`${at}.env_file[${i}]`, typeof ref === 'string' ? ref : ref.path);
    });
  }
  return { problems, checked };
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
    const check = checkCompose(REPO, read('docker-compose.yml'));
    expect(check.problems).toEqual([]);
    expect(check.checked.filter((at) => at.endsWith('.build'))).toEqual(['services.gateway.build']);
    expect(check.checked.filter((at) => at.includes('.volumes[')).length).toBeGreaterThan(0);
  });
});

describe('the Dockerfile check, on contexts made for it', () => {
  let context: string;
  const write = (rel: string, text = 'x'): void => {
    mkdirSync(path.dirname(path.join(context, rel)), { recursive: true });
    writeFileSync(path.join(context, rel), text);
  };
  const problems = (dockerfile: string, dockerignore = ''): string[] =>
    checkDockerfile(context, dockerfile, dockerignore).problems;

  beforeEach(() => {
    context = mkdtempSync(path.join(tmpdir(), 'infergraph-docker-'));
    // A committed manifest, so the gateway's reader accepts it: it names model.onnx and heldout/*.npy.
    for (const model of ['small', 'large']) {
      write(`models/${model}/1/manifest.json`, read('models/ecg-rhythm/1/manifest.json'));
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
    // Case-sensitive, as on Linux (the library's default is not).
    expect(problems(dockerfile, 'models/*/*/HELDOUT\n')).toEqual([]);
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
    const dockerfile = [
      'FROM node:20',
      'COPY package.json missing.json ./',
      'COPY ["src/main.ts", "src/gone.ts", "/app/"]',
      // JSON keeps the space inside a string (dockerfile-ast's own JSON strings would read "src/twowords.ts").
      'COPY ["src/two words.ts", \\',
      '  "/app/"]',
    ].join('\n');
    expect(problems(dockerfile)).toEqual([
      'Dockerfile:2: COPY source "missing.json" does not exist in the build context',
      'Dockerfile:3: COPY source "src/gone.ts" does not exist in the build context',
      'Dockerfile:4: COPY source "src/two words.ts" does not exist in the build context',
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
      'missing.json',
      'EOF',
      'COPY package.json ./',
    ].join('\n');
    const check = checkDockerfile(context, dockerfile, '');
    expect(check.problems).toEqual([]);
    expect(check.sourcesChecked).toBe(1);
    expect([...check.shipped]).toEqual([['/package.json', 'package.json']]);
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
    expect(problems('FROM node:20\nCOPY src/*.ts src/[a-l]*/util.ts src/m?i[^x].ts ./s/')).toEqual([]);
    expect(problems('FROM node:20\nCOPY *.ts src/[^m]*.ts src/ma?.ts ./s/')).toEqual([
      'Dockerfile:2: COPY source "*.ts" matches nothing in the build context',
      'Dockerfile:2: COPY source "src/[^m]*.ts" matches nothing in the build context',
      'Dockerfile:2: COPY source "src/ma?.ts" matches nothing in the build context',
    ]);
    expect(problems('FROM node:20\nCOPY models/*/1/heldout/*.xml ./x/', '**/*.xml')).toEqual([
      'Dockerfile:2: COPY source "models/*/1/heldout/*.xml" is excluded by .dockerignore ("**/*.xml")',
    ]);
    // As a regular expression `main+.*` would match main.ts; in filepath.Match `+` is a plain character.
    expect(problems('FROM node:20\nCOPY src/main+.* src/**/util.ts ./s/')).toEqual([
      'Dockerfile:2: COPY source "src/main+.*" is a glob that @balena/dockerignore would not match as filepath.Match does',
      'Dockerfile:2: COPY source "src/**/util.ts" is a glob that @balena/dockerignore would not match as filepath.Match does',
    ]);
  });

  it('reports a folder source that .dockerignore excludes whole, and maps a kept folder into the image', () => {
    expect(problems('FROM node:20\nCOPY src ./src', 'src')).toEqual([
      'Dockerfile:2: COPY source "src" is excluded by .dockerignore ("src")',
    ]);
    const dockerfile = [
      'FROM node:20 AS base',
      'WORKDIR /app',
      'FROM BASE',
      'COPY src ./code',
      'WORKDIR sub',
      'COPY package.json ./pkg.json',
    ].join('\n');
    const check = checkDockerfile(context, dockerfile, 'src/lib');
    expect(check.problems).toEqual([]);
    expect([...check.shipped]).toEqual([
      ['/app/code/main.ts', 'src/main.ts'],
      ['/app/sub/pkg.json', 'package.json'],
    ]);
  });

  it('reports what it cannot check instead of passing it: variables, --parents, --exclude, ADD heredocs, the outside', () => {
    const dockerfile = [
      'FROM node:20',
      'ARG F=package.json',
      'COPY $F ./',
      'COPY --parents src ./',
      'COPY --exclude=*.md src ./',
      'COPY ../x ./',
      'ADD <<EOF /app/config.txt',
      'text',
      'EOF',
      'WORKDIR ${APP}',
    ].join('\n');
    expect(problems(dockerfile)).toEqual([
      'Dockerfile:3: COPY source "$F" uses a variable, which this check does not expand',
      'Dockerfile:4: COPY --parents is not understood by this check',
      'Dockerfile:5: COPY --exclude is not understood by this check',
      'Dockerfile:6: COPY source "../x" is outside the build context',
      'Dockerfile:7: ADD from a heredoc is not understood by this check',
      'Dockerfile:10: WORKDIR "${APP}" uses a variable, which this check does not expand',
    ]);
  });

  it('reads docker-compose.yml as YAML: build contexts (whose Dockerfile is checked too), host paths, and what it does not follow', () => {
    write('Dockerfile', 'FROM node:20\nCOPY package.json missing.json ./');
    write('otel/prometheus.yml');
    write('.env');
    const compose = [
      'include: [other.yml]',
      'services:',
      '  a:',
      '    build: .',
      '    env_file: .env',
      '    volumes:',
      '      - ./otel:/etc/otel:ro',
      '      - ./nope:/etc/nope',
      '      - named-volume:/data',
      '      - /var/run/docker.sock:/var/run/docker.sock',
      '      - { type: bind, source: ./gone, target: /x }',
      '      - ${DATA:-./data}:/data',
      '  b:',
      '    build:',
      '      context: ./src',
      '      dockerfile: Dockerfile.b',
      '    env_file:',
      '      - ./missing.env',
      '      - { path: ./optional.env, required: false }',
      '      - { path: ./required.env }',
      '    develop: { watch: [{ path: ./src, action: sync, target: /app/src }] }',
      'secrets:',
      '  token: { file: ./token.txt }',
    ].join('\n');
    expect(checkCompose(context, compose).problems).toEqual([
      'docker-compose.yml include: names files in a way this check does not read',
      'docker-compose.yml secrets: names files in a way this check does not read',
      './Dockerfile:2: COPY source "missing.json" does not exist in the build context',
      'docker-compose.yml services.a.volumes[1]: ./nope does not exist',
      'docker-compose.yml services.a.volumes[4]: ./gone does not exist',
      'docker-compose.yml services.a.volumes[5]: uses a variable, which this check does not expand',
      'docker-compose.yml services.b.develop: names files in a way this check does not read',
      'docker-compose.yml services.b.build: Dockerfile.b is not in ./src',
      'docker-compose.yml services.b.env_file[0]: ./missing.env does not exist',
      'docker-compose.yml services.b.env_file[2]: ./required.env does not exist',
    ]);
  });
});
