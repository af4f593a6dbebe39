import { PredictAdmission } from '../../../src/admission/predict-admission';

async function refusal(promise: Promise<unknown>): Promise<{ code: string; details: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; details: Record<string, unknown> };
  }
  throw new Error('expected a refusal');
}

describe('PredictAdmission', () => {
  it('admits perMinute predictions per key, then answers RATE_LIMITED with a retry hint', async () => {
    const admission = new PredictAdmission({ perMinute: 3, maxConcurrency: 10 });
    for (let i = 0; i < 3; i += 1) (await admission.admit('user:a'))();
    const error = await refusal(admission.admit('user:a'));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.details['retryAfterSeconds']).toBeGreaterThanOrEqual(1);
    expect(error.details['retryAfterSeconds']).toBeLessThanOrEqual(60);
  });

  it('keeps one budget per key', async () => {
    const admission = new PredictAdmission({ perMinute: 1, maxConcurrency: 10 });
    (await admission.admit('user:a'))();
    await expect(admission.admit('user:b')).resolves.toEqual(expect.any(Function));
    expect((await refusal(admission.admit('user:a'))).code).toBe('RATE_LIMITED');
  });

  it('caps predictions in flight per key, and frees the slot on release', async () => {
    const admission = new PredictAdmission({ perMinute: 100, maxConcurrency: 2 });
    const first = await admission.admit('k');
    const second = await admission.admit('k');
    const error = await refusal(admission.admit('k'));
    expect(error).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 1 } });
    await expect(admission.admit('other')).resolves.toEqual(expect.any(Function));
    first();
    const third = await admission.admit('k');
    second();
    third();
  });

  it('counts a release once, however often it is called', async () => {
    const admission = new PredictAdmission({ perMinute: 100, maxConcurrency: 1 });
    const release = await admission.admit('k');
    release();
    release();
    const again = await admission.admit('k');
    expect((await refusal(admission.admit('k'))).code).toBe('RATE_LIMITED');
    again();
  });

  it('reserves the slot before the rate check, so parallel admissions cannot exceed the cap', async () => {
    const admission = new PredictAdmission({ perMinute: 100, maxConcurrency: 3 });
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => admission.admit('k')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
  });

  it('gives back the concurrency slot of a call refused by the rate limit', async () => {
    const admission = new PredictAdmission({ perMinute: 1, maxConcurrency: 1 });
    (await admission.admit('k'))();
    expect((await refusal(admission.admit('k'))).code).toBe('RATE_LIMITED');
    expect((await refusal(admission.admit('k'))).details['retryAfterSeconds']).toBeGreaterThan(1);
  });
});
