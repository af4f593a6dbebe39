import { NPY_MAGIC } from './npy-header';
import { elementCount } from '../../tensor/tensor';

/**
 * Encodes a C-order little-endian float64 array as `.npy` format 1.0, header padded to 64 bytes as numpy writes it,
 * so numpy (and the gateway's own reader) load it unchanged.
 */
export function encodeFloat64Npy(values: Float64Array, shape: readonly number[]): Buffer {
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0) || elementCount(shape) !== values.length) {
    throw new Error(`shape ${shape.join('x')} does not hold ${values.length} values`);
  }
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': ${tuple}, }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  Buffer.from(NPY_MAGIC).copy(head, 0);
  head[6] = 1;
  head.writeUInt16LE(header.length, 8);
  const data = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => data.writeDoubleLE(v, i * 8));
  return Buffer.concat([head, Buffer.from(header, 'latin1'), data]);
}
