"""Bring an ONNX model trained elsewhere into the gateway's models folder.

    /usr/bin/python3 training/tools/import_onnx.py model.onnx --name my-model --version 1 \
        --labels normal,atrial_fibrillation [--wrap-float64] [--models-dir models]

Writes models/<name>/<version>/model.onnx and manifest.json (name, version, input/output specs read from the
graph, labels, sha256, size). The gateway exchanges float64 tensors; most frameworks export float32, so
--wrap-float64 adds a Cast at the input and at the output, leaving the network itself in float32 (ONNX
Runtime's CPU convolution kernels only exist for float32).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import onnx
from onnx import TensorProto, helper

DTYPES = {TensorProto.DOUBLE: "float64", TensorProto.FLOAT: "float32", TensorProto.INT64: "int64",
          TensorProto.INT32: "int32"}


def _graph_inputs(graph: onnx.GraphProto) -> list[onnx.ValueInfoProto]:
    """Real inputs only: old exporters also list initializers (weights) as graph inputs."""
    initializers = {t.name for t in graph.initializer}
    return [i for i in graph.input if i.name not in initializers]


def _dims(value: onnx.ValueInfoProto) -> list[int | str]:
    return [d.dim_value if d.HasField("dim_value") else (d.dim_param or "N")
            for d in value.type.tensor_type.shape.dim]


def _rename_uses(graph: onnx.GraphProto, old: str, new: str) -> None:
    for node in graph.node:
        node.input[:] = [new if name == old else name for name in node.input]
        node.output[:] = [new if name == old else name for name in node.output]


def wrap_float64(model: onnx.ModelProto) -> onnx.ModelProto:
    """Give a single-input, single-output float32 model float64 I/O with the same names."""
    graph = model.graph
    inputs = _graph_inputs(graph)
    if len(inputs) != 1 or len(graph.output) != 1:
        raise ValueError("only single-input, single-output models can be wrapped")
    src_in, src_out = inputs[0], graph.output[0]
    in_name, out_name = src_in.name, src_out.name
    inner_in, inner_out = f"{in_name}__float32", f"{out_name}__float32"
    _rename_uses(graph, in_name, inner_in)
    _rename_uses(graph, out_name, inner_out)
    in_type = src_in.type.tensor_type.elem_type
    graph.node.insert(0, helper.make_node("Cast", [in_name], [inner_in], to=in_type, name="infergraph_cast_in"))
    graph.node.append(helper.make_node("Cast", [inner_out], [out_name], to=TensorProto.DOUBLE,
                                       name="infergraph_cast_out"))
    new_in = helper.make_tensor_value_info(in_name, TensorProto.DOUBLE, _dims(src_in))
    new_out = helper.make_tensor_value_info(out_name, TensorProto.DOUBLE, _dims(src_out))
    kept_inputs = [i for i in graph.input if i.name != in_name]
    del graph.input[:]
    graph.input.extend([new_in, *kept_inputs])
    del graph.output[:]
    graph.output.append(new_out)
    onnx.checker.check_model(model)
    return model


def spec(value: onnx.ValueInfoProto) -> dict:
    elem = value.type.tensor_type.elem_type
    if elem not in DTYPES:
        raise ValueError(f"{value.name}: unsupported element type {TensorProto.DataType.Name(elem)}")
    return {"name": value.name, "dtype": DTYPES[elem], "shape": _dims(value)}


def manifest_for(model_bytes: bytes, model: onnx.ModelProto, name: str, version: int, labels: list[str],
                 description: str) -> dict:
    """The manifest the gateway validates at load: every field is derived from the file itself."""
    return {
        "name": name, "version": version, "description": description, "file": "model.onnx",
        "sha256": hashlib.sha256(model_bytes).hexdigest(), "sizeBytes": len(model_bytes),
        "inputs": [spec(i) for i in _graph_inputs(model.graph)],
        "outputs": [spec(o) for o in model.graph.output],
        "labels": labels,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("--name", required=True)
    parser.add_argument("--version", type=int, required=True)
    parser.add_argument("--labels", required=True, help="comma-separated output labels")
    parser.add_argument("--description", default="")
    parser.add_argument("--wrap-float64", action="store_true")
    parser.add_argument("--models-dir", type=Path, default=Path("models"))
    args = parser.parse_args(argv)
    model = onnx.load(str(args.model))
    if args.wrap_float64:
        model = wrap_float64(model)
    onnx.checker.check_model(model)
    target = args.models_dir / args.name / str(args.version)
    if target.exists():
        print(f"{target} already exists; pick the next version", file=sys.stderr)
        return 1
    data = model.SerializeToString()
    manifest = manifest_for(data, model, args.name, args.version, args.labels.split(","), args.description)
    target.mkdir(parents=True)
    (target / "model.onnx").write_bytes(data)
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {target}/model.onnx and manifest.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
