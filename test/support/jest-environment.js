/**
 * Jest runs each test file in its own VM context with its own `Float64Array` etc. onnxruntime-node's native
 * binding creates tensors with the host realm's typed arrays and its JS layer checks them with `instanceof`,
 * which then fails across realms. Sharing the host's typed-array and buffer constructors with the test context
 * removes the mismatch without touching production code.
 */
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer',
  'SharedArrayBuffer',
  'DataView',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int8Array',
  'Uint16Array',
  'Int16Array',
  'Uint32Array',
  'Int32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
];

class SharedTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = SharedTypedArraysEnvironment;
