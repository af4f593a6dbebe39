/**
 * The gateway as an operator runs it: the compiled `dist/main.js` in its own process, configured by environment
 * variables, stopped with SIGTERM.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { headersOf, multipartBody, upload, type PredictionJson } from '../support/graphql-client';
import { loginAs, REPO_ROOT, TEST_ADMIN, testEnv } from '../support/gateway';
import { killed, sessionProcesses, startProcess } from '../support/gateway-process';
import { until } from '../support/held-request';
import { HELDOUT } from '../support/reference';
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

  it('kills a registration still validating when it stops, leaving no process behind, and exits 0', async () => {
    const { child, port, exited } = await startProcess({ SHUTDOWN_TIMEOUT_MS: '500' });
    const admin = await loginAs(`http://127.0.0.1:${port}/graphql`, TEST_ADMIN.username, TEST_ADMIN.password);
    // One per shipped model version.
    const runners = sessionProcesses(child.pid);
    const shipped = readdirSync(path.join(REPO_ROOT, 'models'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .flatMap((m) => readdirSync(path.join(REPO_ROOT, 'models', m.name)).filter((v) => /^\d+$/.test(v)));
    expect(runners).toHaveLength(shipped.length);
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
    // The validation's own process: a child of the gateway's beside its runners.
    let pids: number[] = [];
    await until(() =>
      Promise.resolve((pids = sessionProcesses(child.pid).filter((p) => !runners.includes(p))).length === 1),
    );
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await until(() => Promise.resolve([...runners, ...pids].every(killed)));
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
