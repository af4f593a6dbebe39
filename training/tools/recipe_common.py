"""What the training recipes (ecg-rhythm, digits, tweet-sentiment) share: determinism, ONNX export, hashes,
decile bins, the manifest's JSON layout, the held-out arrays, and runs through onnxruntime-node (ort_run.js).

Each recipe's build.py and tests/conftest.py put this folder on sys.path (after the recipe's own folder), as
they do for the recipe's modules; the recipe-specific parts (example inputs, names, manifest keys) stay in the
recipes and are passed in.
"""
from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import onnx
import torch

TOOLS_DIR = Path(__file__).resolve().parent
REPO_ROOT = TOOLS_DIR.parents[1]
ORT_RUN = TOOLS_DIR / "ort_run.js"
OPSET = 13


def set_determinism(seed: int, threads: int) -> None:
    """Seed torch, pin its thread count and request deterministic algorithms."""
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)


def train_epoch(model, opt, sched, loss_fn, order, batch_size: int, batch) -> float:
    """One pass over the indices order in mini-batches, stepping opt and sched after each; the mean loss.

    batch(idx) returns the (inputs, targets) of a mini-batch; the loss is loss_fn(model.logits(inputs), targets).
    """
    model.train()
    total = 0.0
    for i in range(0, len(order), batch_size):
        idx = order[i:i + batch_size]
        xb, yb = batch(idx)
        opt.zero_grad()
        loss = loss_fn(model.logits(xb), yb)
        loss.backward()
        opt.step()
        sched.step()
        total += float(loss) * len(idx)
    return total / len(order)


def export_onnx(model, example, path: Path, input_name: str, output_name: str, label: str,
                opset: int = OPSET) -> bytes:
    """Trace model on example, dynamic batch axis N, doc_string label, checked; returns the bytes written."""
    model.eval()
    buf = io.BytesIO()
    torch.onnx.export(model, example, buf, input_names=[input_name], output_names=[output_name],
                      dynamic_axes={input_name: {0: "N"}, output_name: {0: "N"}},
                      opset_version=opset, do_constant_folding=True)
    proto = onnx.load_from_string(buf.getvalue())
    proto.doc_string = label
    onnx.checker.check_model(proto)
    data = proto.SerializeToString()
    Path(path).write_bytes(data)
    return data


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def decile_histogram(values: np.ndarray) -> dict:
    """11 edges (outer ones +-inf, written as null) from the deciles; bins are [lo, hi)."""
    inner = np.quantile(values, np.linspace(0.1, 0.9, 9))
    counts = np.bincount(np.searchsorted(inner, values, side="right"), minlength=10)
    return {"binEdges": [None] + [float(e) for e in inner] + [None],
            "proportions": [float(c) for c in counts / counts.sum()]}


def to_json(value: object, level: int = 0) -> str:
    """2-space indented JSON with lists of scalars kept on one line (readable bins and shapes).

    allow_nan=False guarantees that no NaN/Infinity (invalid JSON) sneaks in.
    """
    pad, inner = "  " * level, "  " * (level + 1)
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(k)}: {to_json(v, level + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        return "[\n" + ",\n".join(inner + to_json(v, level + 1) for v in value) + "\n" + pad + "]"
    return json.dumps(value, allow_nan=False, separators=(", ", ": "))


def write_json(path: Path, value: object) -> None:
    """Write value (a manifest, a run record) as to_json followed by a newline."""
    Path(path).write_text(to_json(value) + "\n")


def write_heldout(directory: Path, x: np.ndarray, y: np.ndarray, expected: np.ndarray) -> None:
    """inputs.npy float64, labels.npy int64 (n,), expected_outputs.npy float64 (n, classes) in directory."""
    directory.mkdir(parents=True, exist_ok=True)
    np.save(directory / "inputs.npy", np.ascontiguousarray(x, dtype=np.float64))
    np.save(directory / "labels.npy", np.ascontiguousarray(y, dtype=np.int64))
    np.save(directory / "expected_outputs.npy", np.ascontiguousarray(expected, dtype=np.float64))


class RuntimeUnavailable(RuntimeError):
    """node or onnxruntime-node is missing."""


def node_binary() -> str:
    """The node binary, or RuntimeUnavailable."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeUnavailable("`node` is not on PATH: onnxruntime-node runs need Node.js >= 20 and `npm ci` "
                                 "at the repo root")
    return node


def node_with_onnxruntime() -> str:
    """The node binary, checked to resolve onnxruntime-node from the repo root, or RuntimeUnavailable."""
    node = node_binary()
    probe = subprocess.run([node, "-e", "require.resolve('onnxruntime-node')"], cwd=REPO_ROOT,
                           capture_output=True, text=True)
    if probe.returncode != 0:
        raise RuntimeUnavailable(f"onnxruntime-node cannot be resolved from {REPO_ROOT}; run `npm ci` at the repo "
                                 f"root.\n{probe.stderr}")
    return node


def _ort_js(args: list[str], what: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([node_binary(), str(ORT_RUN), *args], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=300)
    if proc.returncode == 3:
        raise RuntimeUnavailable(proc.stderr.strip())
    if proc.returncode != 0:
        raise RuntimeError(f"ort_run.js {what}failed ({proc.returncode}): {proc.stderr}")
    return proc


def ort_run(model_path: Path, x: np.ndarray, workdir: Path | None = None) -> np.ndarray:
    """The model's first output on x (saved as float64, converted to the input's type) in onnxruntime-node."""
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        inp, out = Path(tmp) / "in.npy", Path(tmp) / "out.npy"
        np.save(inp, np.ascontiguousarray(x, dtype=np.float64))
        _ort_js([str(model_path), str(inp), str(out)], "")
        return np.load(out)


def ort_bench(model_path: Path, x: np.ndarray, batches: tuple[int, ...] = (1, 64)) -> dict[int, float]:
    """{batch size: median ms per row} in onnxruntime-node (1 intra-op thread)."""
    with tempfile.TemporaryDirectory() as tmp:
        inp = Path(tmp) / "in.npy"
        np.save(inp, np.ascontiguousarray(x, dtype=np.float64))
        proc = _ort_js(["--bench", str(model_path), str(inp), *map(str, batches)], "--bench ")
        return {int(k): v for k, v in json.loads(proc.stdout).items()}
