import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
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

/**
 * A tiny text classifier over int64 token ids `[N, 6]` (id 0 padding): an embedding of 8 tokens into 2 dimensions,
 * averaged over the non-padding ids, then softmax. Output `probabilities` float32 `[N, 2]`.
 */
const BUILD_TEXT = `
import sys
from onnx import TensorProto, helper
emb = [0.0, 0.0,  0.0, 0.0,  1.5, -1.0,  -2.0, 0.5,  0.25, 0.75,  3.0, -3.0,  -0.5, -0.5,  1.0, 2.0]
nodes = [
    helper.make_node("Gather", ["embedding", "ids"], ["vectors"]),
    helper.make_node("Greater", ["ids", "zero"], ["real"]),
    helper.make_node("Cast", ["real"], ["weight"], to=TensorProto.FLOAT),
    helper.make_node("Unsqueeze", ["weight", "last"], ["weight3"]),
    helper.make_node("Mul", ["vectors", "weight3"], ["kept"]),
    helper.make_node("ReduceSum", ["kept", "one"], ["total"], keepdims=0),
    helper.make_node("ReduceSum", ["weight", "one"], ["count"], keepdims=1),
    helper.make_node("Max", ["count", "tiny"], ["safe"]),
    helper.make_node("Div", ["total", "safe"], ["mean"]),
    helper.make_node("Softmax", ["mean"], ["probabilities"], axis=1),
]
graph = helper.make_graph(nodes, "text",
    [helper.make_tensor_value_info("ids", TensorProto.INT64, ["N", 6])],
    [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 2])],
    [helper.make_tensor("embedding", TensorProto.FLOAT, [8, 2], emb),
     helper.make_tensor("zero", TensorProto.INT64, [], [0]),
     helper.make_tensor("last", TensorProto.INT64, [1], [2]),
     helper.make_tensor("one", TensorProto.INT64, [1], [1]),
     helper.make_tensor("tiny", TensorProto.FLOAT, [], [1.0])])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 7
open(sys.argv[1], "wb").write(model.SerializeToString())
`;

/** The vocabulary of {@link textModelOnnx}: id = index, 0 padding, 1 unknown. */
export const TEXT_MODEL_VOCABULARY = ['<pad>', '<unk>', 'great', 'late', '!', '<user>', 'flight', '<num>'] as const;

/** Builds the tiny text model and returns the file's bytes. */
export function textModelOnnx(): Buffer {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'infergraph-text-')), 'text.onnx');
  execFileSync('/usr/bin/python3', ['-c', BUILD_TEXT, file]);
  return readFileSync(file);
}
