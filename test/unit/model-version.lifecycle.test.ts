import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Manifest } from '../../src/registry/manifest';
import { InFlight } from '../../src/registry/in-flight';
import { ModelVersion } from '../../src/registry/model-version';
import { FakeBackend } from '../support/fake-backend';

const BYTES = Buffer.from('fake model');

function version(): ModelVersion {
  const dir = mkdtempSync(path.join(tmpdir(), 'infergraph-version-'));
  writeFileSync(path.join(dir, 'model.onnx'), BYTES);
  const manifest = {
    name: 'm',
    version: 1,
    description: '',
    file: 'model.onnx',
    sha256: createHash('sha256').update(BYTES).digest('hex'),
    sizeBytes: BYTES.length,
    inputs: [{ name: 'signal', dtype: 'float64', shape: ['N', 4, 1] }],
    outputs: [{ name: 'probabilities', dtype: 'float64', shape: ['N', 2] }],
    labels: ['a', 'b'],
  } as Manifest;
  return new ModelVersion(manifest, dir, 32);
}

const settled = async (promise: Promise<unknown>): Promise<boolean> => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('ModelVersion lifecycle', () => {
  it('unload waits for every lease: DRAINING refuses new requests, then the session is freed', async () => {
    const backend = new FakeBackend();
    const v = version();
    await v.load(backend);
    const first = v.acquire();
    const second = v.acquire();
    expect(v.activeRequests).toBe(2);
    const unloading = v.unload();
    expect(v.state.status).toBe('DRAINING');
    expect(() => v.acquire()).toThrow(expect.objectContaining({ code: 'MODEL_NOT_READY', details: expect.objectContaining({ state: 'DRAINING' }) }));
    first.release();
    expect(await settled(unloading)).toBe(false);
    expect(backend.sessions[0]?.released).toBe(false);
    second.release();
    await unloading;
    expect(v.state.status).toBe('UNLOADED');
    expect(backend.sessions[0]?.released).toBe(true);
  });

  it('lets a request admitted before the unload run to its end on the same session', async () => {
    const backend = new FakeBackend();
    const v = version();
    await v.load(backend);
    const lease = v.acquire();
    const unloading = v.unload();
    const out = await lease.session.run({ data: new Float64Array([1, 2, 3, 4]), dims: [1, 4, 1] });
    expect(Array.from(out.data)).toEqual([10, -10]);
    lease.release();
    await unloading;
  });

  it('shares one drain between concurrent unloads, and a second release of a lease counts once', async () => {
    const v = version();
    await v.load(new FakeBackend());
    const lease = v.acquire();
    const a = v.unload();
    const b = v.unload();
    lease.release();
    lease.release();
    await Promise.all([a, b]);
    expect(v.state.status).toBe('UNLOADED');
    expect(v.activeRequests).toBe(0);
  });

  it('loads again after an unload, with a new session', async () => {
    const backend = new FakeBackend();
    const v = version();
    await v.load(backend);
    await v.unload();
    await v.load(backend);
    expect(v.state.status).toBe('READY');
    expect(backend.sessions).toHaveLength(2);
    expect(backend.sessions[0]?.released).toBe(true);
    expect(backend.sessions[1]?.released).toBe(false);
  });

  it('waits for a drain to finish before loading again', async () => {
    const backend = new FakeBackend();
    const v = version();
    await v.load(backend);
    const lease = v.acquire();
    const unloading = v.unload();
    const loading = v.load(backend);
    expect(await settled(loading)).toBe(false);
    lease.release();
    await unloading;
    await loading;
    expect(v.state.status).toBe('READY');
  });

  it('clears a FAILED version to UNLOADED, and leaves an UNLOADED one as it is', async () => {
    const v = version();
    await v.unload();
    expect(v.state.status).toBe('UNLOADED');
    const broken = version();
    (broken.manifest as { sha256: string }).sha256 = '0'.repeat(64);
    await broken.load(new FakeBackend());
    expect(broken.state.status).toBe('FAILED');
    await broken.unload();
    expect(broken.state.status).toBe('UNLOADED');
  });
});

describe('InFlight', () => {
  it('is idle at once with no lease, and when the last lease is released', async () => {
    const inFlight = new InFlight();
    await inFlight.idle();
    const a = inFlight.acquire();
    const b = inFlight.acquire();
    const idle = inFlight.idle();
    a();
    expect(await settled(idle)).toBe(false);
    b();
    await idle;
    expect(inFlight.size).toBe(0);
  });
});
