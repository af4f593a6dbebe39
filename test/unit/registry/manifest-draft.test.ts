import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Manifest } from '../../../src/registry/manifest';
import { contractChanges, draftFields } from '../../../src/registry/manifest-draft';
import { fakeModelFiles } from '../../support/fake-version';

let dir: string;
let previous: Manifest;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'infergraph-draft-'));
  // input signal [N, 4, 1] float64, output probabilities [N, 2] float64, labels a, b
  previous = fakeModelFiles(dir, 'm', 1, { description: 'first version', maxBatchSize: 16 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const INPUTS_DIFFER = 'inputs differ from the previous version';
const OUTPUTS_DIFFER = 'outputs differ from the previous version';
const LABELS_DIFFER = 'labels differ from the previous version';

describe('contractChanges', () => {
  it('finds no change when the draft leaves the contract out', () => {
    expect(contractChanges(previous, {})).toEqual([]);
    expect(
      contractChanges(previous, {
        inputs: null,
        outputs: null,
        labels: null,
        description: 'new text',
        maxBatchSize: 4,
      }),
    ).toEqual([]);
  });

  it('finds no change when the draft repeats the contract, whatever the symbol of a dynamic dimension', () => {
    expect(
      contractChanges(previous, { inputs: previous.inputs, outputs: previous.outputs, labels: previous.labels }),
    ).toEqual([]);
    expect(
      contractChanges(previous, {
        inputs: [{ name: 'signal', dtype: 'float64', shape: ['batch', 4, 1] }],
        outputs: [{ name: 'probabilities', dtype: 'float64', shape: ['batch_size', 2] }],
        labels: ['a', 'b'],
      }),
    ).toEqual([]);
  });

  it('reports changed inputs in one line: a name, a dtype, a numeric dimension, the rank or the number of tensors', () => {
    for (const inputs of [
      [{ name: 'x', dtype: 'float64', shape: ['N', 4, 1] }],
      [{ name: 'signal', dtype: 'float32', shape: ['N', 4, 1] }],
      [{ name: 'signal', dtype: 'float64', shape: ['N', 5, 1] }],
      [{ name: 'signal', dtype: 'float64', shape: ['N', 4] }],
      [{ name: 'signal', dtype: 'float64', shape: ['N', 'L', 1] }],
      [
        { name: 'signal', dtype: 'float64', shape: ['N', 4, 1] },
        { name: 'extra', dtype: 'float64', shape: ['N', 1] },
      ],
    ] as const) {
      expect(contractChanges(previous, { inputs })).toEqual([INPUTS_DIFFER]);
    }
  });

  it('reports changed outputs in one line: a name, a dtype or a numeric dimension', () => {
    for (const outputs of [
      [{ name: 'scores', dtype: 'float64', shape: ['N', 2] }],
      [{ name: 'probabilities', dtype: 'float32', shape: ['N', 2] }],
      [{ name: 'probabilities', dtype: 'float64', shape: ['N', 3] }],
    ] as const) {
      expect(contractChanges(previous, { outputs })).toEqual([OUTPUTS_DIFFER]);
    }
  });

  it('reports changed labels, order included', () => {
    expect(contractChanges(previous, { labels: ['b', 'a'] })).toEqual([LABELS_DIFFER]);
    expect(contractChanges(previous, { labels: ['a', 'c'] })).toEqual([LABELS_DIFFER]);
    expect(contractChanges(previous, { labels: ['a', 'b', 'c'] })).toEqual([LABELS_DIFFER]);
  });

  it('reports one line for each part that changed', () => {
    expect(
      contractChanges(previous, {
        inputs: [{ name: 'signal', dtype: 'float64', shape: ['N', 8, 1] }],
        outputs: [{ name: 'probabilities', dtype: 'float64', shape: ['N', 3] }],
        labels: ['a', 'b', 'c'],
      }),
    ).toEqual([INPUTS_DIFFER, OUTPUTS_DIFFER, LABELS_DIFFER]);
  });
});

describe('draftFields', () => {
  it('takes every field the draft gives over the previous manifest', () => {
    const inputs = [{ name: 'signal', dtype: 'float64', shape: ['batch', 4, 1] }] as const;
    const outputs = [{ name: 'probabilities', dtype: 'float64', shape: ['batch', 2] }] as const;
    expect(
      draftFields({ description: 'second version', inputs, outputs, labels: ['a', 'b'], maxBatchSize: 8 }, previous),
    ).toEqual({
      description: 'second version',
      inputs,
      outputs,
      labels: ['a', 'b'],
      maxBatchSize: 8,
    });
  });

  it('falls back to the previous manifest for fields the draft leaves out or sets to null', () => {
    const expected = {
      description: 'first version',
      inputs: previous.inputs,
      outputs: previous.outputs,
      labels: previous.labels,
      maxBatchSize: 16,
    };
    expect(draftFields({}, previous)).toEqual(expected);
    expect(
      draftFields({ description: null, inputs: null, outputs: null, labels: null, maxBatchSize: null }, previous),
    ).toEqual(expected);
    expect(draftFields({ description: 'second version', maxBatchSize: null }, previous)).toEqual({
      ...expected,
      description: 'second version',
    });
  });

  it('keeps an empty description the draft gives rather than the previous one', () => {
    expect(draftFields({ description: '' }, previous).description).toBe('');
  });

  it('gives a new model an empty description, and leaves what the draft omits undefined', () => {
    const inputs = [{ name: 'signal', dtype: 'float64', shape: ['N', 4, 1] }] as const;
    expect(draftFields({ inputs }, undefined)).toEqual({
      description: '',
      inputs,
      outputs: undefined,
      labels: undefined,
      maxBatchSize: undefined,
    });
    expect(draftFields({ description: null }, undefined).description).toBe('');
  });
});
