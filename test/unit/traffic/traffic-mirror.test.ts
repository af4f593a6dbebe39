import pino from 'pino';
import path from 'node:path';
import { BATCH_XSD_PATH } from '../../../src/main';
import { createBatchIngest } from '../../../src/codec/batch-ingest';
import { BatchScheduler } from '../../../src/inference/batch-scheduler';
import { ModelMonitor } from '../../../src/drift/model-monitor';
import { PredictionService } from '../../../src/prediction/prediction.service';
import { NO_INSTRUMENTATION } from '../../../src/telemetry/instrumentation';
import type { ModelRegistry } from '../../../src/registry/model-registry';
import { TrafficMirror, type MirrorJob } from '../../../src/traffic/traffic-mirror';
import { TrafficRouter } from '../../../src/traffic/traffic-router';
import { FakeBackend, FakeSession } from '../../support/fake-backend';
import { fakeRegistry, memoryLedger, memoryPolicies } from '../../support/fake-traffic';
import { npyBytes } from '../../support/npy';

const logger = pino({ level: 'silent' });

/** A job as the prediction service makes one: version 3 served `outputs`, version `other` replays the inputs. */
function job(registry: ModelRegistry, other: number, kind: 'SHADOW' | 'CANARY' = 'SHADOW'): MirrorJob {
  const [served, replay] = [registry.resolve('m', 3), registry.resolve('m', other)];
  const values = Float64Array.from([1, 2, 3, 4, -1, -2, -3, -4]);
  return {
    kind,
    served: { version: served, outputs: { data: Float64Array.from([10, -10, -8, 8]), dims: [2, 2] }, ms: 2 },
    other: replay,
    inputs: { values, count: 2 },
  };
}

describe('TrafficMirror', () => {
  it('replays a shadow job and records the comparison with the served outputs', async () => {
    const registry = await fakeRegistry(3);
    const ledger = memoryLedger();
    const mirror = new TrafficMirror({ ledger, logger, maxQueued: 4, busy: () => false });
    mirror.enqueue(job(registry, 2));
    await mirror.idle();
    // The fake computes [sum, -sum]: [10, -10] and [-10, 10]; served was [10, -10] and [-8, 8].
    expect(ledger.samples).toEqual([
      expect.objectContaining({
        model: 'm',
        kind: 'SHADOW',
        candidateVersion: 2,
        baselineVersion: 3,
        requests: 1,
        failures: 0,
        samples: 2,
        agreed: 2,
        valuesCompared: 4,
        absDifferenceSum: 4,
        baselineMs: 2,
      }),
    ]);
  });

  it('records a canary job with the served version as the candidate', async () => {
    const registry = await fakeRegistry(3);
    const ledger = memoryLedger();
    const mirror = new TrafficMirror({ ledger, logger, maxQueued: 4, busy: () => false });
    mirror.enqueue(job(registry, 1, 'CANARY'));
    await mirror.idle();
    expect(ledger.samples[0]).toMatchObject({
      kind: 'CANARY',
      candidateVersion: 3,
      baselineVersion: 1,
      candidateMs: 2,
    });
  });

  it('counts a replay that cannot run as a failure and keeps going', async () => {
    const registry = await fakeRegistry(3);
    await registry.unload('m', 2, 'user:ops');
    const ledger = memoryLedger();
    const mirror = new TrafficMirror({ ledger, logger, maxQueued: 4, busy: () => false });
    mirror.enqueue(job(registry, 2));
    mirror.enqueue(job(registry, 1));
    await mirror.idle();
    expect(ledger.samples.map((s) => [s.candidateVersion, s.failures, s.samples])).toEqual([
      [2, 1, 0],
      [1, 0, 2],
    ]);
  });

  it('waits while live requests run, and drops jobs beyond its queue instead of growing', async () => {
    const registry = await fakeRegistry(3);
    const ledger = memoryLedger();
    let busy = true;
    const mirror = new TrafficMirror({ ledger, logger, maxQueued: 2, busy: () => busy });
    for (let i = 0; i < 5; i += 1) mirror.enqueue(job(registry, 2));
    await new Promise((r) => setTimeout(r, 30));
    expect(ledger.samples).toEqual([]);
    expect(mirror.dropped).toBe(2); // the first job left the queue to wait for a quiet moment; two more fit behind it
    busy = false;
    await mirror.idle();
    expect(ledger.samples).toHaveLength(3);
  });
});

describe('PredictionService with a shadow version', () => {
  it('answers from production and runs the shadow only once the response is out', async () => {
    const sessions: FakeSession[] = [];
    const registry = await fakeRegistry(
      2,
      new FakeBackend(() => {
        const session = new FakeSession();
        sessions.push(session);
        return session;
      }),
    );
    const policies = memoryPolicies();
    policies.policy('m', { canary: null, shadow: 1 });
    const ledger = memoryLedger();
    const mirror = new TrafficMirror({ ledger, logger, maxQueued: 4, busy: () => registry.busy() });
    const service = new PredictionService({
      registry,
      router: new TrafficRouter(registry, policies),
      mirror,
      ingest: await createBatchIngest({
        xsdPath: path.resolve(BATCH_XSD_PATH),
        maxXmlBytes: 1_000_000,
        xmlWorker: false,
      }),
      maxSamplesPerRequest: 100,
      instrumentation: NO_INSTRUMENTATION,
      monitor: new ModelMonitor({ windowSamples: 10, minSamples: 1, alertPsi: 0.25 }),
      batches: new BatchScheduler({ maxBatchSize: 32, maxDelayMs: 0, maxQueuedSamples: 100 }),
      deadlineMs: 1_000,
    });
    const afterResponse: (() => void)[] = [];
    const bytes = npyBytes({ descr: '<f8', shape: [2, 4], data: [1, 2, 3, 4, 5, 6, 7, 8] });
    const result = await service.predict({
      model: 'm',
      input: { kind: 'file', file: { read: async () => ({ bytes, filename: 'x.npy' }), discard: () => undefined } },
      principal: 'user:1',
      afterResponse: (task) => afterResponse.push(task),
    });
    expect([result.version, result.route, Array.from(result.outputs.data)]).toEqual([
      2,
      'PRODUCTION',
      [10, -10, 26, -26],
    ]);
    const shadowSession = sessions[1] as FakeSession; // production (version 2) is loaded first at boot
    expect(shadowSession.runs).toHaveLength(1); // only its warm-up at load
    expect(afterResponse).toHaveLength(1);

    afterResponse.forEach((task) => task());
    await mirror.idle();
    expect(shadowSession.runs.slice(1)).toEqual([[2, 4, 1]]);
    expect(ledger.samples).toEqual([
      expect.objectContaining({
        kind: 'SHADOW',
        candidateVersion: 1,
        baselineVersion: 2,
        samples: 2,
        agreed: 2,
        absDifferenceSum: 0,
      }),
    ]);
  });
});
