/**
 * The gateway as an operator runs it: the compiled `dist/main.js` in its own process, configured by environment
 * variables, stopped with SIGTERM.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { headersOf, multipartBody, upload, type PredictionJson } from '../support/graphql-client';
import { loginAs, REPO_ROOT, TEST_ADMIN, testEnv } from '../support/gateway';
import { startProcess } from '../support/gateway-process';
import { until } from '../support/held-request';
import { HELDOUT, MODEL_DIR } from '../support/reference';
import { spinningLoopOnnx } from '../support/spinning-model';

jest.setTimeout(120_000);

beforeAll(() => {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'ignore' });
});

/** Reads a whole HTTP response body. */
async function bodyOf(res: http.IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of res) text += String(chunk);
  return text;
}

describe('the gateway process', () => {
  it('finishes an in-flight prediction after SIGTERM, refuses new work, then exits 0', async () => {
    const { child, port, exited, logged } = await startProcess({ NODE_ENV: 'production' });
    const admin = await loginAs(`http://127.0.0.1:${port}/graphql`, TEST_ADMIN.username, TEST_ADMIN.password);
    const { body, contentType } = await multipartBody(readFileSync(path.join(HELDOUT, 'inputs.xml')));
    // `Expect: 100-continue` makes the server confirm it holds the request before any body byte is sent; the body
    // then goes in two halves around SIGTERM, so the request is certainly in flight while the gateway drains.
    const req = http.request({
      host: '127.0.0.1',
      port,
      path: '/graphql',
      method: 'POST',
      headers: {
        ...headersOf(admin),
        'content-type': contentType,
        'content-length': body.length,
        'apollo-require-preflight': 'true',
        expect: '100-continue',
      },
    });
    const response = once(req, 'response') as Promise<[http.IncomingMessage]>;
    await once(req, 'continue');
    const half = Math.floor(body.length / 2);
    req.write(body.subarray(0, half));
    child.kill('SIGTERM');
    await logged('draining');
    const late = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.status,
      () => 'refused',
    );
    expect([503, 'refused']).toContain(late);
    req.end(body.subarray(half));
    const [res] = await response;
    expect(res.statusCode).toBe(200);
    const json = JSON.parse(await bodyOf(res)) as { data: { predict: PredictionJson } };
    expect(json.data.predict.shape).toEqual([300, 2]);
    expect(json.data.predict.samples).toHaveLength(300);
    expect(await exited).toBe(0);
  });

  it('ends by SHUTDOWN_TIMEOUT_MS with status 137 when a run inside ONNX Runtime never returns', async () => {
    // A model that loops 1e9 times per unit of its largest input: the warm-up's zeros pass, a real record does not.
    const models = mkdtempSync(path.join(tmpdir(), 'infergraph-spin-process-'));
    const onnx = spinningLoopOnnx(0, 1e9);
    const dir = path.join(models, 'spinning', '1');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'model.onnx'), onnx);
    const manifest = JSON.parse(readFileSync(path.join(MODEL_DIR, 'manifest.json'), 'utf8')) as object;
    const sha256 = createHash('sha256').update(onnx).digest('hex');
    const fields = { name: 'spinning', version: 1, sha256, sizeBytes: onnx.length, heldout: undefined };
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, ...fields }));
    const { child, port, output } = await startProcess({
      MODELS_DIR: models,
      SHUTDOWN_TIMEOUT_MS: '500',
    });
    const ended = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const admin = await loginAs(`http://127.0.0.1:${port}/graphql`, TEST_ADMIN.username, TEST_ADMIN.password);
    // The request's first batch is handed to the inference worker (the batcher reports it started) and never
    // returns, so neither does the request: the drain cannot finish, nor can freeing the worker.
    void upload(admin, readFileSync(path.join(HELDOUT, 'inputs.xml')), { variables: { model: 'spinning' } }).catch(
      () => undefined,
    );
    await until(async () => {
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
      return /^infergraph_batch_wait_seconds_count\{[^}]*model="spinning"[^}]*\} 1$/m.test(metrics);
    });
    child.kill('SIGTERM');
    const [code, signal] = await ended;
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });
    expect(output()).toMatch(/stopping did not finish within 2500 ms .*exit status 137/);
  });

  it('kills a registration still validating when it stops, leaving no process behind, and exits 0', async () => {
    const { child, port, exited } = await startProcess({ SHUTDOWN_TIMEOUT_MS: '500' });
    const admin = await loginAs(`http://127.0.0.1:${port}/graphql`, TEST_ADMIN.username, TEST_ADMIN.password);
    const spec = (name: string, shape: (number | null)[]) => ({ name, dtype: 'float64', shape });
    const manifest = {
      inputs: [spec('signal', [null, 5000, 1])],
      outputs: [spec('probabilities', [null, 2])],
      labels: ['low', 'high'],
    };
    void upload(admin, spinningLoopOnnx(2e9, 0), {
      query:
        'mutation($name: String!, $file: Upload!, $manifest: ModelManifestInput) { registerModel(name: $name, file: $file, manifest: $manifest) { version } }',
      variables: { name: 'spinning', manifest },
      filename: 'model.onnx',
    }).catch(() => undefined);
    // The validation's own process, a child of the gateway's.
    const validations = (): number[] =>
      readdirSync('/proc')
        .filter((entry) => /^\d+$/.test(entry))
        .filter((pid) => {
          try {
            const ppid = /^\d+ \(.*\) \S (\d+)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
            return (
              ppid === String(child.pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('ort-session.process')
            );
          } catch {
            return false; // ended meanwhile
          }
        })
        .map(Number);
    let pids: number[] = [];
    await until(() => Promise.resolve((pids = validations()).length === 1));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const [pid] = pids;
    const state = (): string | undefined => {
      try {
        return /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${String(pid)}/stat`, 'utf8'))?.[1];
      } catch {
        return undefined; // gone
      }
    };
    // Killed: gone, or a zombie nobody has reaped yet; never still running.
    await until(() => Promise.resolve(state() === undefined || state() === 'Z'));
  });

  it('refuses to start with invalid configuration, naming every problem', async () => {
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['dist/main.js'], {
        cwd: REPO_ROOT,
        env: { PATH: process.env['PATH'] ?? '', PORT: '-1', BATCH_MAX_SIZE: 'lots', NODE_ENV: 'prod' },
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.once('exit', (code) => resolve({ code, stderr }));
    });
    expect(result.code).toBe(78);
    for (const name of ['PORT', 'BATCH_MAX_SIZE', 'NODE_ENV']) expect(result.stderr).toContain(name);
  });

  it.each<{ name: string; env: Record<string, string>; problem: string }>([
    { name: 'no JWT_SECRET', env: { JWT_SECRET: '' }, problem: 'JWT_SECRET: required in production' },
    {
      name: 'a short JWT_SECRET',
      env: { JWT_SECRET: 'short-secret' },
      problem: 'JWT_SECRET: must be at least 32 bytes',
    },
    { name: 'a weak ADMIN_PASSWORD', env: { ADMIN_PASSWORD: 'password123' }, problem: 'ADMIN_PASSWORD: must' },
    { name: 'no admin password on first start', env: { ADMIN_PASSWORD: '' }, problem: 'ADMIN_PASSWORD: required' },
  ])('refuses to start in production with $name', async ({ env, problem }) => {
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['dist/main.js'], {
        cwd: REPO_ROOT,
        env: { PATH: process.env['PATH'] ?? '', ...testEnv({ NODE_ENV: 'production', ...env }) },
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.once('exit', (code) => resolve({ code, stderr }));
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(problem);
  });

  it('refuses to start in development with a weak ADMIN_PASSWORD, named with the other problems, exit 78', async () => {
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['dist/main.js'], {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env['PATH'] ?? '',
          ...testEnv({ NODE_ENV: 'development', ADMIN_PASSWORD: 'password123', BATCH_MAX_SIZE: 'lots' }),
        },
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.once('exit', (code) => resolve({ code, stderr }));
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('ADMIN_PASSWORD: must');
    expect(result.stderr).toContain('BATCH_MAX_SIZE');
  });
});
