import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const L = 5000;

/**
 * The shipped contract (float64 `(N, 5000, 1)` → `(N, 2)`) around a `Loop` whose trip count is `argv[2]` plus
 * `argv[3]` times the batch's largest value (so a batch of zeros loops `argv[2]` times): it computes nothing but
 * holds the thread that runs it until it ends. Its output is the mean of each sample, twice.
 */
const BUILD_SPINNING_LOOP = `
import sys
from onnx import TensorProto, helper
fixed, per_unit = int(sys.argv[2]), float(sys.argv[3])
signal = helper.make_tensor_value_info("signal", TensorProto.DOUBLE, ["N", ${L}, 1])
out = helper.make_tensor_value_info("probabilities", TensorProto.DOUBLE, ["N", 2])
scalar = lambda name, t: helper.make_tensor_value_info(name, t, [])
body = helper.make_graph(
    [helper.make_node("Identity", ["cond"], ["cond_out"]), helper.make_node("Identity", ["v"], ["v_out"])],
    "body", [scalar("i", TensorProto.INT64), scalar("cond", TensorProto.BOOL), scalar("v", TensorProto.DOUBLE)],
    [scalar("cond_out", TensorProto.BOOL), scalar("v_out", TensorProto.DOUBLE)])
nodes = [
    helper.make_node("ReduceMax", ["signal"], ["peak"], keepdims=0),
    helper.make_node("Mul", ["peak", "per_unit"], ["scaled"]),
    helper.make_node("Add", ["scaled", "fixed"], ["trips_f"]),
    helper.make_node("Cast", ["trips_f"], ["trips"], to=TensorProto.INT64),
    helper.make_node("ReduceSum", ["signal"], ["total"], keepdims=0),
    helper.make_node("Loop", ["trips", "yes", "total"], ["spun"], body=body),
    helper.make_node("ReduceMean", ["signal"], ["mean"], axes=[1, 2], keepdims=0),
    helper.make_node("Unsqueeze", ["mean", "axis1"], ["col"]),
    helper.make_node("Concat", ["col", "col"], ["pair"], axis=1),
    helper.make_node("Mul", ["spun", "zero"], ["nothing"]),
    helper.make_node("Add", ["pair", "nothing"], ["probabilities"]),
]
inits = [
    helper.make_tensor("per_unit", TensorProto.DOUBLE, [], [per_unit]),
    helper.make_tensor("fixed", TensorProto.DOUBLE, [], [float(fixed)]),
    helper.make_tensor("yes", TensorProto.BOOL, [], [True]),
    helper.make_tensor("axis1", TensorProto.INT64, [1], [1]),
    helper.make_tensor("zero", TensorProto.DOUBLE, [], [0.0]),
]
graph = helper.make_graph(nodes, "spinning", [signal], [out], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 7
open(sys.argv[1], "wb").write(model.SerializeToString())
`;

/** Builds {@link BUILD_SPINNING_LOOP} with these trip counts and returns the file's bytes. */
export function spinningLoopOnnx(fixedTrips: number, tripsPerUnit: number): Buffer {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'infergraph-spin-')), 'spin.onnx');
  execFileSync('/usr/bin/python3', ['-c', BUILD_SPINNING_LOOP, file, String(fixedTrips), String(tripsPerUnit)]);
  return readFileSync(file);
}
