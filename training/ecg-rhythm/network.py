"""The 1-D CNN, with preprocessing and dtype casts inside the graph.

Why in-graph preprocessing: the gateway forwards raw millivolt signals, so the
per-record standardisation (x - mean) / (std + eps) must travel with the model.
Why the casts: the contract is float64 in / float64 out (the XML and .npy
payloads are double), but ONNX Runtime's CPU Conv kernel only exists for
float32. Standardisation runs in float64 (exact for any offset or gain), then a
Cast to float32 feeds the convolutions, and the softmax is cast back to float64.
"""
from __future__ import annotations

import torch
from torch import nn

from ecg_synth import N_SAMPLES

EPS = 1e-6


def conv_block(c_in: int, c_out: int, kernel: int, stride: int = 1, pool: int = 2) -> nn.Sequential:
    """Conv -> BatchNorm -> ReLU -> MaxPool. BatchNorm folds into Conv on ONNX export."""
    layers: list[nn.Module] = [nn.Conv1d(c_in, c_out, kernel, stride=stride, padding=kernel // 2, bias=False),
                               nn.BatchNorm1d(c_out), nn.ReLU()]
    if pool > 1:
        layers.append(nn.MaxPool1d(pool))
    return nn.Sequential(*layers)


class Standardize(nn.Module):
    """Per-record, per-channel standardisation over time, computed in the input dtype."""

    def __init__(self, eps: float = EPS) -> None:
        super().__init__()
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (N, T, C)
        centred = x - x.mean(dim=1, keepdim=True)
        std = torch.sqrt((centred * centred).mean(dim=1, keepdim=True))
        return centred / (std + self.eps)


class _SignalClassifier(nn.Module):
    """Shared contract: standardise in float64, float32 features, pooled head, float64 softmax."""

    features: nn.Module
    head: nn.Linear

    def __init__(self) -> None:
        super().__init__()
        self.standardize = Standardize()

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """Raw scores; training uses these with cross-entropy for numerical stability."""
        if not torch.jit.is_tracing() and (x.dim() != 3 or x.shape[1] != N_SAMPLES or x.shape[2] != 1):
            raise ValueError(f"expected (N, {N_SAMPLES}, 1), got {tuple(x.shape)}")
        z = self.standardize(x).to(torch.float32).transpose(1, 2)  # (N, 1, T) float32
        h = self.features(z)
        pooled = torch.cat([h.mean(dim=2), h.amax(dim=2)], dim=1)
        return self.head(pooled)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.logits(x), dim=1).to(torch.float64)


class EcgRhythmNet(_SignalClassifier):
    """(N, 5000, 1) float64 mV -> (N, 2) float64 probabilities [normal, atrial_fibrillation].

    Five conv blocks shrink 5000 samples to 78 steps (receptive field of a few
    beats), then global average + max pooling and a linear head. `width` scales
    the channel count so tests can train a tiny variant in seconds.
    """

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        w = width
        self.features = nn.Sequential(
            conv_block(1, w, 7, stride=2),  # 2500 -> 1250
            conv_block(w, 2 * w, 7),  # 625
            conv_block(2 * w, 2 * w, 7),  # 312
            conv_block(2 * w, 4 * w, 5),  # 156
            conv_block(4 * w, 4 * w, 5),  # 78
        )
        self.head = nn.Linear(8 * w, 2)


class ResidualBlock(nn.Module):
    """Two Conv-BN layers with an identity (or strided 1x1 projection) shortcut, ReLU after the sum."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int) -> None:
        super().__init__()
        pad = kernel // 2
        self.body = nn.Sequential(
            nn.Conv1d(c_in, c_out, kernel, stride=stride, padding=pad, bias=False), nn.BatchNorm1d(c_out), nn.ReLU(),
            nn.Conv1d(c_out, c_out, kernel, padding=pad, bias=False), nn.BatchNorm1d(c_out),
        )
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv1d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm1d(c_out))
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.body(x) + self.shortcut(x))


class EcgRhythmResNet(_SignalClassifier):
    """The compute-heavy sibling: same contract, a ResNet-style 1-D network of about 3 million parameters.

    A strided stem and a max-pool take 5000 samples to 625 steps; four stages of residual blocks (kernel 7),
    each stage halving the length, end at 79 steps with `widths[-1]` channels; then the same pooled head.
    """

    def __init__(self, widths: tuple[int, ...] = (64, 128, 192, 256), blocks: tuple[int, ...] = (1, 1, 2, 2),
                 kernel: int = 7) -> None:
        super().__init__()
        layers: list[nn.Module] = [conv_block(1, widths[0], 15, stride=4, pool=2)]  # 5000 -> 1250 -> 625
        c_in = widths[0]
        for stage, (width, count) in enumerate(zip(widths, blocks)):
            for b in range(count):
                layers.append(ResidualBlock(c_in, width, kernel, stride=2 if b == 0 and stage > 0 else 1))
                c_in = width
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(2 * widths[-1], 2)


def count_parameters(model: nn.Module) -> int:
    """Trainable parameter count (reported in the README)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
