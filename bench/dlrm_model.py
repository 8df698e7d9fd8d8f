"""A DLRM as in the public reference design (Naumov et al. 2019): a bottom
MLP over the dense features, one nn.EmbeddingBag (sum) per sparse feature,
pairwise dot-product interaction of all the vectors, a top MLP to one click
logit. Random weights; sizes from a config. Used by bench/bench_dlrm.py and
tests/python/test_dlrm_e2e.py."""
import torch
import torch.nn as nn


def mlp(sizes, last_sigmoid=False):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class DLRM(nn.Module):
    def __init__(self, dense_in, bottom, table_rows, dim, top):
        super().__init__()
        self.bottom = mlp([dense_in, *bottom, dim])
        # uniform(+-sqrt(1/rows)), as the reference code initializes them (and fast for GBs)
        self.tables = nn.ModuleList(
            nn.EmbeddingBag(r, dim, mode="sum", _weight=torch.empty(r, dim).uniform_(-(1 / r) ** 0.5, (1 / r) ** 0.5))
            for r in table_rows)
        n = len(table_rows) + 1
        self.pairs = torch.tril_indices(n, n, offset=-1)
        self.top = mlp([dim + n * (n - 1) // 2, *top, 1])

    def forward(self, dense, indices, offsets):
        x = self.bottom(dense)
        vecs = [x] + [t(i, o) for t, i, o in zip(self.tables, indices, offsets)]
        z = torch.stack(vecs, dim=1)                   # [batch, n, dim]
        inter = torch.bmm(z, z.transpose(1, 2))        # dot interaction
        flat = inter[:, self.pairs[0], self.pairs[1]]  # lower triangle
        return self.top(torch.cat([x, flat], dim=1)).squeeze(1)


def make_inputs(model, batch, lookups, generator):
    dense = torch.rand(batch, model.bottom[0].in_features, generator=generator)
    idx, off = [], []
    for t in model.tables:
        lens = torch.randint(max(1, lookups // 2), lookups + 1, (batch,), generator=generator)
        o = torch.zeros(batch, dtype=torch.long)
        o[1:] = torch.cumsum(lens, 0)[:-1]
        idx.append(torch.randint(0, t.num_embeddings, (int(lens.sum()),), generator=generator))
        off.append(o)
    return dense, idx, off
