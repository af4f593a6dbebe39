import type { InferenceSession, TensorSpec } from '../inference/backend';
import type { Manifest } from './manifest';

function describe(spec: TensorSpec): string {
  return `${spec.name} ${spec.dtype}[${spec.shape.join(', ')}]`;
}

/** Numeric dimensions must agree; a symbolic dimension on either side matches anything. */
function sameSpec(declared: TensorSpec, actual: TensorSpec): boolean {
  if (declared.name !== actual.name || declared.dtype !== actual.dtype) return false;
  if (declared.shape.length !== actual.shape.length) return false;
  return declared.shape.every((d, i) => {
    const a = actual.shape[i];
    return typeof d === 'string' || typeof a === 'string' || d === a;
  });
}

function compare(kind: string, declared: readonly TensorSpec[], actual: readonly TensorSpec[]): string | undefined {
  if (declared.length !== actual.length)
    return `${kind}: manifest declares ${declared.length}, model has ${actual.length}`;
  for (const [i, d] of declared.entries()) {
    const a = actual[i];
    if (a === undefined || !sameSpec(d, a)) {
      return `${kind} ${i}: manifest declares ${describe(d)}, model has ${a ? describe(a) : 'none'}`;
    }
  }
  return undefined;
}

/**
 * Compares the manifest's declared inputs and outputs with what the runtime reports for the opened model.
 * @returns a description of the first mismatch, or `undefined` when they agree.
 */
export function checkSignature(manifest: Manifest, session: InferenceSession): string | undefined {
  // Any element type the manifest schema admits is converted where ONNX Runtime is called (see OrtSession.run).
  return compare('input', manifest.inputs, session.inputs) ?? compare('output', manifest.outputs, session.outputs);
}
