import { InFlight } from '../../../src/registry/in-flight';
import { FakeBackend, FakeSession } from '../../support/fake-backend';
import { fakeVersion as version } from '../../support/fake-version';

const settled = async (promise: Promise<unknown>): Promise<boolean> => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('ModelVersion lifecycle', () => {
  it('warms a new session up with one full batch of zeros and measures the memory it took', async () => {
    const backend = new FakeBackend();
    const v = version(1, {}, 8);
    const readings = [1_000_000, 9_000_000];
    await v.load(backend, () => readings.shift() ?? 0);
    expect(v.state.status).toBe('READY');
    expect(backend.sessions[0]?.runs).toEqual([[8, 4, 1]]);
    expect([v.residentBytes, v.measuredBytes]).toEqual([8_000_000, 8_000_000]);
    await v.unload();
    expect([v.residentBytes, v.measuredBytes]).toEqual([null, 8_000_000]);
  });

  it('fails a version whose warm-up run fails, naming the stage, and releases its session', async () => {
    const backend = new FakeBackend(() => new FakeSession(undefined, undefined, true));
    const v = version();
    const state = await v.load(backend);
    expect(state).toMatchObject({ status: 'FAILED', stage: 'WARMUP' });
    expect(state.status === 'FAILED' && state.reason).toMatch(/^the warm-up run failed/);
    expect(backend.sessions[0]?.released).toBe(true);
  });

  it('fails a serving version at SERVING when its session is lost, refusing requests and telling its owner once', async () => {
    let lose: (reason: string) => void = () => undefined;
    const session = Object.assign(new FakeSession(), {
      lost: new Promise<string>((resolve) => (lose = resolve)),
    });
    const v = version();
    const told: string[] = [];
    await v.load(
      new FakeBackend(() => session),
      () => 0,
      (reason) => told.push(reason),
    );
    expect(v.state.status).toBe('READY');
    lose('a run did not finish within 10 ms, so its runner was stopped (/srv/models/x/1/model.onnx)');
    await new Promise((r) => setImmediate(r));
    expect(v.state).toMatchObject({
      status: 'FAILED',
      stage: 'SERVING',
      reason: 'a run did not finish within 10 ms, so its runner was stopped (<path>)',
    });
    expect(told).toEqual([(v.state as { reason: string }).reason]);
    expect(() => v.acquire()).toThrow(expect.objectContaining({ code: 'MODEL_NOT_READY' }));
    // An operator's unload clears it.
    await v.unload();
    expect(v.state.status).toBe('UNLOADED');
  });

  it('ignores the loss of a session it no longer serves with', async () => {
    let lose: (reason: string) => void = () => undefined;
    const first = Object.assign(new FakeSession(), { lost: new Promise<string>((resolve) => (lose = resolve)) });
    const sessions = [first, new FakeSession()];
    const v = version();
    const backend = new FakeBackend(() => sessions.shift() ?? new FakeSession());
    await v.load(backend);
    await v.unload();
    await v.load(backend);
    lose('gone');
    await new Promise((r) => setImmediate(r));
    expect(v.state.status).toBe('READY');
  });

  it('unload waits for every lease: DRAINING refuses new requests, then the session is freed', async () => {
    const backend = new FakeBackend();
    const v = version();
    await v.load(backend);
    const first = v.acquire();
    const second = v.acquire();
    expect(v.activeRequests).toBe(2);
    const unloading = v.unload();
    expect(v.state.status).toBe('DRAINING');
    expect(() => v.acquire()).toThrow(
      expect.objectContaining({ code: 'MODEL_NOT_READY', details: expect.objectContaining({ state: 'DRAINING' }) }),
    );
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
    const broken = version(1, { sha256: '0'.repeat(64) });
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
