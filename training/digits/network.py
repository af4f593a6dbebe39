"""The CNN: float32 (N, 1, 28, 28) normalised image -> float32 (N, 10) softmax, softmax inside the graph.

Three stages of 3x3 Conv -> BatchNorm -> ReLU (28 -> 14 -> 7 px through max-pooling), then global average and
max pooling (position-tolerant: the gateway centres the image box, not the digit's mass as MNIST does) and a
linear head. BatchNorm folds into the Conv weights on ONNX export. `width` scales the channels so tests can
train a tiny variant in seconds.
"""
from __future__ import annotations

import torch
from torch import nn

SIDE = 28
N_CLASSES = 10


def conv_bn(c_in: int, c_out: int) -> list[nn.Module]:
    return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]


class DigitsNet(nn.Module):
    """(N, 1, 28, 28) float32 -> (N, 10) probabilities for labels "0".."9"."""

    def __init__(self, width: int = 20, dropout: float = 0.1) -> None:
        super().__init__()
        w = width
        self.features = nn.Sequential(
            *conv_bn(1, w), *conv_bn(w, w), nn.MaxPool2d(2),  # 14 x 14
            *conv_bn(w, 2 * w), *conv_bn(2 * w, 2 * w), nn.MaxPool2d(2),  # 7 x 7
            *conv_bn(2 * w, 4 * w), *conv_bn(4 * w, 4 * w),
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(8 * w, N_CLASSES)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """Raw scores; training uses these with cross-entropy for numerical stability."""
        if not torch.jit.is_tracing() and (x.dim() != 4 or tuple(x.shape[1:]) != (1, SIDE, SIDE)):
            raise ValueError(f"expected (N, 1, {SIDE}, {SIDE}), got {tuple(x.shape)}")
        h = self.features(x)
        pooled = torch.cat([h.mean(dim=(2, 3)), h.amax(dim=(2, 3))], dim=1)
        return self.head(self.dropout(pooled))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.logits(x), dim=1)


def count_parameters(model: nn.Module) -> int:
    """Trainable parameter count (reported in the README and the manifest)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
