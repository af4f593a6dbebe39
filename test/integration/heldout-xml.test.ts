import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { convertNpyToXml } from '../../scripts/npy2xml';
import { HELDOUT } from '../support/reference';

describe('the committed held-out XML', () => {
  it('is exactly what `npm run npy2xml` makes of the committed held-out .npy', async () => {
    const output = path.join(mkdtempSync(path.join(tmpdir(), 'infergraph-heldout-')), 'inputs.xml');
    await convertNpyToXml({ input: path.join(HELDOUT, 'inputs.npy'), output, idPrefix: 'heldout-' });
    expect(readFileSync(output).equals(readFileSync(path.join(HELDOUT, 'inputs.xml')))).toBe(true);
  });
});
