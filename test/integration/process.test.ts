/**
 * The gateway as an operator runs it: the compiled `dist/main.js` in its own process, configured by environment
 * variables, stopped with SIGTERM.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { multipartBody, type PredictionJson } from '../support/graphql-client';
import { REPO_ROOT } from '../support/gateway';
import { HELDOUT } from '../support/reference';

jest.setTimeout(120_000);

beforeAll(() => {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'ignore' });
});

interface Started {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<number | null>;
}

/** Starts `node dist/main.js` on a free port and resolves once it logs that it listens. */
function startProcess(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const port = /"port":(\d+)[^\n]*gateway listening/.exec(out)?.[1];
      if (port !== undefined) resolve({ child, port: Number(port), exited });
    });
    void exited.then((code) => reject(new Error(`exited with ${String(code)} before listening: ${out}`)));
  });
}

describe('the gateway process', () => {
  it('finishes an in-flight prediction after SIGTERM, refuses new work, then exits 0', async () => {
    const { child, port, exited } = await startProcess({ NODE_ENV: 'production' });
    const url = `http://127.0.0.1:${port}/graphql`;
    const { body, contentType } = await multipartBody(readFileSync(path.join(HELDOUT, 'inputs.xml')));
    // The body is sent in two halves with SIGTERM in between, so the request is certainly in flight.
    let sendRest!: () => void;
    const rest = new Promise<void>((resolve) => (sendRest = resolve));
    const half = Math.floor(body.length / 2);
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(body.subarray(0, half));
        await rest;
        controller.enqueue(body.subarray(half));
        controller.close();
      },
    });
    const inFlight = fetch(url, {
      method: 'POST',
      body: stream,
      duplex: 'half',
      headers: { 'content-type': contentType, 'apollo-require-preflight': 'true' },
    } as RequestInit);
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    const late = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 'refused');
    expect([503, 'refused']).toContain(late);
    sendRest();
    const res = await inFlight;
    expect(res.status).toBe(200);
    const json = (await res.json()) as { data: { predict: PredictionJson } };
    expect(json.data.predict.samples).toHaveLength(json.data.predict.shape[0] ?? -1);
    expect(await exited).toBe(0);
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
});
