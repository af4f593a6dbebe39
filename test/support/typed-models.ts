import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Two tiny models whose input is not float64, as image and text models' are: `float32.onnx` takes `x` float32
 * `[N, 3]` and gives `y = x · 0.5 + 0.25` (float32 `[N, 3]`); `int64.onnx` takes `ids` int64 `[N, 4]` and gives the
 * sum of each row as float64 `[N, 1]`. Both are exact enough to be checked by hand.
 */
const BUILD_TYPED = `
import sys
from onnx import TensorProto, helper
out = sys.argv[1]
def save(graph, name):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    open(f"{out}/{name}", "wb").write(model.SerializeToString())
save(helper.make_graph(
    [helper.make_node("Mul", ["x", "half"], ["m"]), helper.make_node("Add", ["m", "quarter"], ["y"])], "f32",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])],
    [helper.make_tensor("half", TensorProto.FLOAT, [], [0.5]), helper.make_tensor("quarter", TensorProto.FLOAT, [], [0.25])]),
    "float32.onnx")
save(helper.make_graph(
    [helper.make_node("ReduceSum", ["ids", "axis"], ["s"], keepdims=1), helper.make_node("Cast", ["s"], ["y"], to=TensorProto.DOUBLE)],
    "i64",
    [helper.make_tensor_value_info("ids", TensorProto.INT64, ["N", 4])],
    [helper.make_tensor_value_info("y", TensorProto.DOUBLE, ["N", 1])],
    [helper.make_tensor("axis", TensorProto.INT64, [1], [1])]),
    "int64.onnx")
`;

/** Builds the two models into a fresh folder and returns their paths. */
export function typedModels(): { float32: string; int64: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'infergraph-typed-'));
  execFileSync('/usr/bin/python3', ['-c', BUILD_TYPED, dir]);
  return { float32: path.join(dir, 'float32.onnx'), int64: path.join(dir, 'int64.onnx') };
}
