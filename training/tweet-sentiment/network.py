"""The served network: token ids -> embedding -> 1-D convolutions -> masked max-pool -> dense -> softmax.

Why the mask: the gateway pads every tweet to maxLength with id 0, and the
answer must not depend on how much padding there is. The embedding of a padded
position is forced to zero (multiplied by the mask, whatever the table's row 0
holds), so a convolution window that reaches into the padding sees exactly the
zeros its own border padding would give; the ReLU features of padded positions
are then zeroed before the max-pool, and because ReLU features are >= 0 the
max over "valid positions plus zeros" equals the max over the valid positions.
An all-padding input (an empty tweet) pools to zeros and still gets a defined
answer from the dense layer's bias.

Why ids are sanitised in the graph: ONNX Gather fails (or wraps, for negative
indices) on an id outside the table; the gateway only sends vocabulary ids,
but a raw `ids` request could carry anything, so out-of-range ids become <unk>.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from tokenizer import PAD_ID, UNK_ID


class TweetCNN(nn.Module):
    """(N, T) int64 ids -> (N, 3) float32 probabilities [negative, neutral, positive]."""

    def __init__(self, vocab_size: int, embed_dim: int = 64, filters: int = 64, kernels: tuple[int, ...] = (3, 5),
                 dropout: float = 0.5, pretrained: np.ndarray | None = None, freeze: bool = False,
                 n_classes: int = 3) -> None:
        super().__init__()
        if any(k % 2 == 0 for k in kernels):
            raise ValueError("odd kernel sizes only: 'same' padding keeps positions aligned with the mask")
        self.vocab_size = vocab_size
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=PAD_ID)
        if pretrained is not None:
            if pretrained.shape != (vocab_size, embed_dim):
                raise ValueError(f"pretrained shape {pretrained.shape} != {(vocab_size, embed_dim)}")
            with torch.no_grad():
                self.embedding.weight.copy_(torch.from_numpy(np.asarray(pretrained, dtype=np.float32)))
                self.embedding.weight[PAD_ID].zero_()
        self.embedding.weight.requires_grad_(not freeze)
        self.convs = nn.ModuleList(nn.Conv1d(embed_dim, filters, k, padding=k // 2) for k in kernels)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(filters * len(kernels), n_classes)

    def logits(self, ids: torch.Tensor) -> torch.Tensor:
        """Raw scores (training uses these with cross-entropy)."""
        if not torch.jit.is_tracing() and (ids.dim() != 2 or ids.dtype != torch.int64):
            raise ValueError(f"expected (N, T) int64 ids, got {tuple(ids.shape)} {ids.dtype}")
        ids = torch.where((ids < 0) | (ids >= self.vocab_size), torch.full_like(ids, UNK_ID), ids)
        mask = (ids != PAD_ID).to(torch.float32).unsqueeze(1)  # (N, 1, T)
        x = self.embedding(ids).transpose(1, 2) * mask  # (N, E, T), zero at padding
        pooled = [(torch.relu(conv(x)) * mask).amax(dim=2) for conv in self.convs]
        return self.head(self.dropout(torch.cat(pooled, dim=1)))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.logits(ids), dim=1)


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
