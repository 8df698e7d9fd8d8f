"""Small models defined in the repo (no downloads), used by the demo, the
benchmarks and the end-to-end tests."""
import torch
import torch.nn as nn


class FeedForwardStack(nn.Module):
    """A stack of transformer-style feed-forward blocks (Linear-GELU-Linear
    with a residual and LayerNorm): the Linear-heavy part of an encoder or a
    decoder, about 25 M parameters at the defaults."""

    def __init__(self, dim=768, hidden=3072, blocks=4):
        super().__init__()
        self.blocks = nn.ModuleList(
            nn.ModuleDict({"norm": nn.LayerNorm(dim), "up": nn.Linear(dim, hidden), "down": nn.Linear(hidden, dim)})
            for _ in range(blocks))
        self.head = nn.Linear(dim, 256)

    def forward(self, x):
        for b in self.blocks:
            x = x + b["down"](torch.nn.functional.gelu(b["up"](b["norm"](x))))
        return self.head(x)


def build(seed=0, **kw):
    torch.manual_seed(seed)
    return FeedForwardStack(**kw).eval()
