"""Why the earlier implementation collapsed, and which design choice prevents it.

Trains the same NTM layers on BBC News (K=20) under five settings, from the earlier
implementation's recipe to neurotopic's, changing one thing at a time, and prints
after each epoch the mean |W1|, mean |W2|, the training hinge, the share of triples
whose two scores differ by less than 1e-6 and the held-out ranking accuracy:

1. earlier recipe: start at the saddle (W1 = 0, small random W2 so lt ~ 0.5), plain
   SGD at 0.01 on the loss averaged over batches of 20,000, L2 (1e-3) on the whole of
   W1 and W2 at every step, raw (unnormalised) summed word vectors;
2. the earlier recipe without the full-matrix L2;
3. the earlier recipe without L2, with row-sparse adaptive updates (SparseAdam on W1,
   Adam on W2);
4. 3 + neurotopic's start: auto-encoder pre-training of W2 rescaled to spread lt,
   W1 rows from the mean lt of each document's terms (centred, O(1));
5. neurotopic's defaults (4 + unit-normalised term vectors, batches of 4,096).

Run: ``.venv/bin/python benchmarks/collapse.py [--epochs 5]``
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np
import torch
from scipy.special import expit

from neurotopic import NeuralTopicModel
from neurotopic.datasets import load_bbc
from neurotopic.model.pretrain import initial_doc_logits, pretrain_topic_weights
from neurotopic.text.embeddings import term_vectors
from neurotopic.train.sampling import TripleSampler


@dataclass(frozen=True)
class Setting:
    name: str
    l2: float = 0.0
    adaptive: bool = False
    pretrain: bool = False
    normalize: bool = False
    batch_size: int = 20_000


SETTINGS = [
    Setting("1 earlier recipe", l2=1e-3),
    Setting("2 earlier recipe, no full-matrix L2"),
    Setting("3 + row-sparse adaptive updates", adaptive=True),
    Setting("4 + pre-trained start off the saddle", adaptive=True, pretrain=True),
    Setting(
        "5 neurotopic defaults",
        adaptive=True,
        pretrain=True,
        normalize=True,
        batch_size=4096,
    ),
]


def run(setting: Setting, kv: object, terms: list[str], X: object, epochs: int, k: int) -> None:
    le, _ = term_vectors(terms, kv, normalize=setting.normalize)  # type: ignore[arg-type]
    d = X.shape[0]  # type: ignore[attr-defined]
    gen = torch.Generator().manual_seed(0)
    if setting.pretrain:
        w2, b2 = pretrain_topic_weights(le, k, seed=0)
        w1 = initial_doc_logits(X, expit(le @ w2 + b2))  # type: ignore[arg-type]
    else:  # the saddle: lt ~ 0.5 +- 0.04, ld = 1/K
        w2 = (torch.randn(le.shape[1], k, generator=gen) * 0.01).numpy()
        b2 = np.zeros(k, dtype=np.float32)
        w1 = np.zeros((d, k), dtype=np.float32)
    W2 = torch.tensor(w2, requires_grad=True)
    B2 = torch.tensor(b2, requires_grad=True)
    W1 = torch.nn.Embedding(d, k, sparse=setting.adaptive)
    with torch.no_grad():
        W1.weight.copy_(torch.from_numpy(w1))
    LE = torch.from_numpy(le)
    if setting.adaptive:
        opts: list[torch.optim.Optimizer] = [
            torch.optim.Adam([W2, B2], lr=0.05),
            torch.optim.SparseAdam(list(W1.parameters()), lr=0.05),
        ]
    else:
        opts = [torch.optim.SGD([W2, B2, W1.weight], lr=0.01)]
    sampler = TripleSampler(X, n_negatives=1, holdout=0.01, seed=0)  # type: ignore[arg-type]

    def scores(t: np.ndarray, p: np.ndarray, n: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        lt = torch.sigmoid(LE[t] @ W2 + B2)
        ldp = torch.softmax(W1(torch.from_numpy(p)), -1)
        ldn = torch.softmax(W1(torch.from_numpy(n[:, 0])), -1)
        return (lt * ldp).sum(-1), (lt * ldn).sum(-1)

    for epoch in range(1, epochs + 1):
        hinge_sum, tiny, count = 0.0, 0, 0
        for batch in sampler.epoch(setting.batch_size):
            pos, neg = scores(batch.terms, batch.pos_docs, batch.neg_docs)
            hinge = torch.relu(0.5 - pos + neg)
            loss = hinge.mean()
            if setting.l2:
                loss = loss + setting.l2 * ((W1.weight**2).sum() + (W2**2).sum())
            for opt in opts:
                opt.zero_grad()
            loss.backward()
            for opt in opts:
                opt.step()
            hinge_sum += float(hinge.sum())
            tiny += int(((pos - neg).abs() < 1e-6).sum())
            count += len(hinge)
        with torch.no_grad():
            h = sampler.holdout_batch
            pos, neg = scores(h.terms, h.pos_docs, h.neg_docs)
            acc = float(((pos > neg).float() + 0.5 * (pos == neg).float()).mean())
            print(
                f"{setting.name:<40} {epoch:>5} {W1.weight.abs().mean():>9.2e} "
                f"{W2.abs().mean():>9.2e} {hinge_sum / count:>7.4f} {tiny / count:>9.3f} "
                f"{acc:>9.3f}",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--topics", type=int, default=20)
    args = parser.parse_args()
    data = load_bbc()
    # Vocabulary, phrases and word vectors come from one quick neurotopic fit.
    base = NeuralTopicModel(args.topics, random_state=0, epochs=0, pretrain_steps=1)
    base.fit(data.texts)
    from neurotopic.text.embeddings import train_word2vec

    sentences = [[w for r in base.analyzer_.runs(t) for w in r] for t in data.texts]
    kv = train_word2vec(sentences, epochs=18, seed=0, workers=1)
    print(
        f"BBC News: {base.X_train_.shape[0]} documents, {len(base.terms_)} terms, K={args.topics}"
    )
    print(f"{'setting':<40} epoch   mean|W1|  mean|W2|   hinge  |gap|<1e-6  held-out")
    for setting in SETTINGS:
        run(setting, kv, base.terms_, base.X_train_, args.epochs, args.topics)


if __name__ == "__main__":
    main()
