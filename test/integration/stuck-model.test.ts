/**
 * A model that passes registration but then never returns from a real run (a `Loop` of about 10⁹ trips per unit of
 * its input's largest value: the validation's zeros pass at once, a real ECG spins for hours), registered over HTTP
 * into a gateway that also serves the shipped model, as the hostile tester did. The gateway runs as its own process
 * (`src/main.ts` through ts-node, so its runners and its SIGTERM handling are the real ones), with each runner kind.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { upload, postJson, type Endpoint, type GraphQLResponse, type PredictionJson } from '../support/graphql-client';
import { loginAs, TEST_ADMIN } from '../support/gateway';
import { killed, sessionProcesses, startProcess, type Started } from '../support/gateway-process';
import { heldoutInputs, until } from '../support/held-request';
import { npyBytes } from '../support/npy';
import { directRun, MODEL_DIR } from '../support/reference';
import { spinningLoopOnnx } from '../support/spinning-model';

jest.setTimeout(90_000);

const L = 5000;
const DEADLINE_MS = 4_000;
const SHUTDOWN_TIMEOUT_MS = 1_500;

const REGISTER =
  'mutation($name: String!, $file: Upload!, $manifest: ModelManifestInput) { registerModel(name: $name, file: $file, manifest: $manifest) { version state } }';

/** The shipped model's contract, for the spinning file. */
const SPINNING_MANIFEST = {
  inputs: [{ name: 'signal', dtype: 'float64', shape: [null, L, 1] }],
  outputs: [{ name: 'probabilities', dtype: 'float64', shape: [null, 2] }],
  labels: ['normal', 'atrial_fibrillation'],
};

/** Held-out record `i` as a one-sample `.npy` batch. */
function record(i: number): Buffer {
  return npyBytes({ descr: '<f8', shape: [1, L, 1], data: heldoutInputs().subarray(i * L, (i + 1) * L) });
}

interface Readiness {
  readonly status: number;
  readonly body: {
    status: string;
    stuckRunners?: number;
    models?: { model: string; version: number; state: string; stage?: string; reason?: string }[];
  };
}

async function readiness(port: number, admin: Endpoint): Promise<Readiness> {
  const headers = typeof admin === 'string' ? {} : admin.headers;
  const res = await fetch(`http://127.0.0.1:${port}/readyz`, { headers });
  return { status: res.status, body: (await res.json()) as Readiness['body'] };
}

/** Gateways started by a test, killed after it whatever happened. */
const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** A gateway serving a copy of the shipped `ecg-rhythm` with `runner`, and `spinning` registered over HTTP. */
async function gatewayWithSpinningModel(runner: 'process' | 'thread'): Promise<{
  started: Started;
  admin: Endpoint;
  ended: Promise<[number | null, NodeJS.Signals | null]>;
}> {
  const models = mkdtempSync(path.join(tmpdir(), 'infergraph-stuck-'));
  cpSync(MODEL_DIR, path.join(models, 'ecg-rhythm', '1'), { recursive: true });
  const started = await startProcess(
    {
      MODELS_DIR: models,
      ORT_RUNNER: runner,
      INFERENCE_DEADLINE_MS: String(DEADLINE_MS),
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    },
    ['--require', 'ts-node/register/transpile-only', 'src/main.ts'],
  );
  running.push(started.child);
  const ended = once(started.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const admin = await loginAs(`http://127.0.0.1:${started.port}/graphql`, TEST_ADMIN.username, TEST_ADMIN.password);
  const registered = await upload<{ registerModel: { version: number; state: string } }>(
    admin,
    spinningLoopOnnx(0, 1e9),
    { query: REGISTER, variables: { name: 'spinning', manifest: SPINNING_MANIFEST }, filename: 'model.onnx' },
  );
  expect(registered.body.errors).toBeUndefined();
  expect(registered.body.data?.registerModel).toEqual({ version: 1, state: 'UNLOADED' });
  const loaded = await postJson<{ loadModel: { state: string } }>(
    admin,
    'mutation { loadModel(name: "spinning", version: 1) { state } }',
  );
  expect(loaded.body.data?.loadModel.state).toBe('READY');
  return { started, admin, ended };
}

/** Starts a prediction on `spinning` with a real record, and resolves once its batch is inside the model. */
async function spin(
  port: number,
  admin: Endpoint,
): Promise<{ answer: Promise<GraphQLResponse<{ predict: PredictionJson }>>; answered: () => boolean }> {
  let done = false;
  const answer = upload(admin, record(0), { variables: { model: 'spinning' }, filename: 'batch.npy' }).finally(
    () => (done = true),
  );
  await until(async () => {
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
    return /^infergraph_batch_wait_seconds_count\{[^}]*model="spinning"[^}]*\} 1$/m.test(metrics);
  });
  return { answer, answered: () => done };
}

/** Predictions of the shipped model on records 1..n, checked against a direct ONNX Runtime run. */
async function shippedPredictions(admin: Endpoint, n: number): Promise<void> {
  for (let i = 1; i <= n; i += 1) {
    const res = await upload(admin, record(i), { filename: 'batch.npy' });
    expect(res.body.errors).toBeUndefined();
    const expected = await directRun(heldoutInputs().slice(i * L, (i + 1) * L), [L, 1]);
    expect(res.body.data?.predict.outputs).toEqual([[expected[0], expected[1]]]);
  }
}

async function stop(child: ChildProcess, ended: Promise<[number | null, NodeJS.Signals | null]>) {
  child.kill('SIGTERM');
  const [code, signal] = await ended;
  return { code, signal };
}

describe('a model whose run never returns (ORT_RUNNER=process, the default)', () => {
  it('stalls no other model, fails its request at the deadline, is killed and reported, and shutdown is clean', async () => {
    const { started, admin, ended } = await gatewayWithSpinningModel('process');
    const { port, child } = started;
    expect(sessionProcesses(child.pid)).toHaveLength(2); // ecg-rhythm's and spinning's
    const { answer, answered } = await spin(port, admin);

    // While its run spins, the shipped model answers, with its right outputs.
    await shippedPredictions(admin, 5);
    expect(answered()).toBe(false);

    // The request's deadline covers the run it is waiting for.
    const res = await answer;
    expect(res.body.errors?.[0]?.extensions?.code).toBe('DEADLINE_EXCEEDED');

    // The runner is killed and the version fails at SERVING; readiness reports it (anonymous: the status only).
    // Killed at once; for a moment it is a runner stopped and not yet ended.
    await until(async () => {
      const { body } = await readiness(port, admin);
      return body.stuckRunners === 0 && body.models?.find((m) => m.model === 'spinning')?.state === 'FAILED';
    });
    const ready = await readiness(port, admin);
    expect(ready.status).toBe(503);
    expect(ready.body.stuckRunners).toBe(0);
    expect(ready.body.models).toContainEqual({
      model: 'spinning',
      version: 1,
      state: 'FAILED',
      stage: 'SERVING',
      reason: `a run did not finish within ${DEADLINE_MS} ms, so its runner was stopped`,
    });
    expect(await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.json())).toEqual({ status: 'not ready' });
    expect(sessionProcesses(child.pid)).toHaveLength(1);
    const events = await postJson<{ modelEvents: { event: string; result: string }[] }>(
      admin,
      '{ modelEvents(name: "spinning") { event result } }',
    );
    expect(events.body.data?.modelEvents).toContainEqual({ event: 'model.session.lost', result: 'FAILED' });

    await shippedPredictions(admin, 2);
    // Ends well before the hard deadline (SHUTDOWN_TIMEOUT_MS plus a margin), which would end it with SIGKILL.
    expect(await stop(child, ended)).toEqual({ code: 0, signal: null });
  });

  it('ends with status 0 on SIGTERM while the run spins, killing its runner (no process is left behind)', async () => {
    const { started, admin, ended } = await gatewayWithSpinningModel('process');
    const { port, child } = started;
    const runners = sessionProcesses(child.pid);
    const { answer } = await spin(port, admin);
    // Its connection is closed when the drain ends, unanswered.
    const unanswered = expect(answer).rejects.toThrow('fetch failed');
    expect(await stop(child, ended)).toEqual({ code: 0, signal: null });
    await unanswered;
    await until(() => Promise.resolve(runners.length === 2 && runners.every(killed)));
  });
});

describe('a model whose warm-up never returns, on disk at boot', () => {
  it('fails at WARMUP within the deadline, and the gateway boots serving the others', async () => {
    const models = mkdtempSync(path.join(tmpdir(), 'infergraph-stuck-boot-'));
    cpSync(MODEL_DIR, path.join(models, 'ecg-rhythm', '1'), { recursive: true });
    // 2·10⁹ trips whatever the input: the warm-up's zeros spin too.
    const onnx = spinningLoopOnnx(2e9, 0);
    const dir = path.join(models, 'spinning', '1');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'model.onnx'), onnx);
    const shipped = JSON.parse(readFileSync(path.join(MODEL_DIR, 'manifest.json'), 'utf8')) as object;
    const sha256 = createHash('sha256').update(onnx).digest('hex');
    writeFileSync(
      path.join(dir, 'manifest.json'),
      JSON.stringify({ ...shipped, name: 'spinning', version: 1, sha256, sizeBytes: onnx.length, heldout: undefined }),
    );
    const started = await startProcess({ MODELS_DIR: models, INFERENCE_DEADLINE_MS: String(DEADLINE_MS) }, [
      '--require',
      'ts-node/register/transpile-only',
      'src/main.ts',
    ]);
    running.push(started.child);
    const ended = once(started.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const admin = await loginAs(`http://127.0.0.1:${started.port}/graphql`, TEST_ADMIN.username, TEST_ADMIN.password);
    const { body } = await readiness(started.port, admin);
    expect(body.models).toContainEqual({
      model: 'spinning',
      version: 1,
      state: 'FAILED',
      stage: 'WARMUP',
      reason: `the warm-up run failed: a run did not finish within ${DEADLINE_MS} ms, so its runner was stopped`,
    });
    expect(sessionProcesses(started.child.pid)).toHaveLength(1);
    await shippedPredictions(admin, 2);
    expect(await stop(started.child, ended)).toEqual({ code: 0, signal: null });
  });
});

describe('a model whose run never returns (ORT_RUNNER=thread)', () => {
  it('stalls no other model and is reported as a stuck runner, and SIGTERM ends the process with status 137', async () => {
    const { started, admin, ended } = await gatewayWithSpinningModel('thread');
    const { port, child, output } = started;
    const { answer, answered } = await spin(port, admin);
    await shippedPredictions(admin, 5);
    expect(answered()).toBe(false);
    expect((await answer).body.errors?.[0]?.extensions?.code).toBe('DEADLINE_EXCEEDED');

    // A worker thread cannot be killed inside a run: it stays, reported, and keeps the gateway unready.
    await until(async () => (await readiness(port, admin)).body.stuckRunners === 1);
    const ready = await readiness(port, admin);
    expect(ready.status).toBe(503);
    expect(ready.body.models).toContainEqual(expect.objectContaining({ model: 'spinning', state: 'FAILED' }));
    await shippedPredictions(admin, 2);

    // The stuck thread cannot be joined (`process.exit` would wait for it): once stopped, the process kills itself.
    expect(await stop(child, ended)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(output()).toMatch(/a worker thread is stuck inside a run and cannot be joined; .*exit status 137/);
  });
});
