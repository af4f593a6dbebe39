import { planRoom } from '../../../src/registry/memory-budget';
import type { ModelVersion } from '../../../src/registry/model-version';
import { FakeBackend } from '../../support/fake-backend';
import { fakeVersion } from '../../support/fake-version';

const MiB = 1024 * 1024;

/** A loaded fake version measured at `mib` MiB, last used in the order versions are made. */
async function loaded(version: number, mib: number): Promise<ModelVersion> {
  const v = fakeVersion(version);
  let reading = 0;
  await v.load(new FakeBackend(), () => (reading += mib * MiB) - mib * MiB);
  v.acquire().release();
  return v;
}

describe('planRoom', () => {
  it('evicts nothing when the incoming version fits', async () => {
    const [a, b] = [await loaded(1, 4), await loaded(2, 4)];
    const incoming = fakeVersion(3);
    expect(planRoom({ maxResidentVersions: 3, maxResidentBytes: 0 }, [a, b], incoming, 4 * MiB)).toEqual({
      fits: true,
      evict: [],
    });
    expect(planRoom({ maxResidentVersions: 0, maxResidentBytes: 12 * MiB }, [a, b], incoming, 4 * MiB)).toEqual({
      fits: true,
      evict: [],
    });
  });

  it('evicts the least recently used idle versions first, only as many as needed', async () => {
    const [a, b, c] = [await loaded(1, 4), await loaded(2, 4), await loaded(3, 4)];
    b.acquire().release(); // b is now the most recently used
    const incoming = fakeVersion(4);
    const byCount = planRoom({ maxResidentVersions: 2, maxResidentBytes: 0 }, [a, b, c], incoming, MiB);
    expect(byCount.fits && byCount.evict.map((v) => v.version)).toEqual([1, 3]);
    const byBytes = planRoom({ maxResidentVersions: 0, maxResidentBytes: 10 * MiB }, [a, b, c], incoming, 2 * MiB);
    expect(byBytes.fits && byBytes.evict.map((v) => v.version)).toEqual([1]);
  });

  it('never evicts a version with a request in flight, and says why it cannot make room', async () => {
    const [a, b] = [await loaded(1, 4), await loaded(2, 4)];
    const lease = a.acquire();
    const plan = planRoom({ maxResidentVersions: 2, maxResidentBytes: 0 }, [a, b], fakeVersion(3), MiB);
    expect(plan.fits && plan.evict.map((v) => v.version)).toEqual([2]);
    const held = b.acquire();
    expect(planRoom({ maxResidentVersions: 2, maxResidentBytes: 0 }, [a, b], fakeVersion(3), MiB)).toEqual({
      fits: false,
      reason: '2 loaded version(s) are serving requests and cannot be unloaded to make room',
    });
    lease.release();
    held.release();
  });

  it('refuses a version larger than the whole budget without evicting anything', async () => {
    const a = await loaded(1, 4);
    const plan = planRoom({ maxResidentVersions: 0, maxResidentBytes: 8 * MiB }, [a], fakeVersion(2), 9 * MiB);
    expect(plan).toEqual({
      fits: false,
      reason: `it needs about ${9 * MiB} bytes, more than the whole budget of ${8 * MiB}`,
    });
  });

  it('does not count the incoming version against itself when it is already resident', async () => {
    const a = await loaded(1, 4);
    expect(planRoom({ maxResidentVersions: 1, maxResidentBytes: 4 * MiB }, [a], a, 4 * MiB)).toEqual({
      fits: true,
      evict: [],
    });
  });
});
