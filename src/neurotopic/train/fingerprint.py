"""What identifies a fit: its parameters, digests of its corpus and labels, its processes.

A checkpoint records the fingerprint of the fit that wrote it and resumes only that
fit, so a resumed fit cannot silently mix two corpora or two settings.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._params import params_to_json
from ..model.supervised import Labels

#: Parameters a resumed fit may change: they do not alter the training arithmetic
#: (``epochs`` extends or ends the run; the readout is computed after training).
RESUMABLE_CHANGES = (
    "epochs",
    "verbose",
    "n_jobs",
    "device",
    "checkpoint_dir",
    "topic_readout",
    "relevance_lambda",
    "transform_steps",
    "label_readout",
)


def fingerprint(
    params: Mapping[str, Any],
    docs: Sequence[str | Sequence[str]],
    labels: Labels | None = None,
    processes: int = 1,
) -> dict[str, Any]:
    """What identifies a fit: parameters, a digest of the corpus and labels, processes.

    Parameters
    ----------
    params : mapping
        The estimator's ``get_params()``; those in :data:`RESUMABLE_CHANGES` are left out.
    docs : sequence of str, or of lists of str
        The training documents (raw text or tokens).
    labels : Labels, optional
        The encoded targets of a supervised fit.
    processes : int
        Processes of a data-parallel fit.

    Returns
    -------
    dict
        JSON-serialisable.
    """
    corpus = hashlib.sha256()
    for doc in docs:
        text = doc if isinstance(doc, str) else "\x1f".join(doc)  # tokens: unit-separated
        data = text.encode("utf-8", "surrogatepass")
        corpus.update(len(data).to_bytes(8, "little"))
        corpus.update(data)
    label_digest = None
    if labels is not None:
        digest = hashlib.sha256(
            json.dumps([labels.task, [str(c) for c in labels.classes]]).encode()
        )
        digest.update(np.ascontiguousarray(labels.targets).tobytes())
        label_digest = digest.hexdigest()
    return {
        "params": params_to_json(
            {k: v for k, v in sorted(params.items()) if k not in RESUMABLE_CHANGES},
            code_names=True,
        ),
        "n_documents": len(docs),
        "corpus_sha256": corpus.hexdigest(),
        "labels_sha256": label_digest,
        "processes": int(processes),
    }


def difference(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """The first way two fingerprints differ, in words (for error messages)."""
    if old.get("processes") != new["processes"]:
        return (
            f"it was written by {old.get('processes')} processes, this fit has {new['processes']}"
        )
    old_params, new_params = old.get("params", {}), new["params"]
    for key in sorted(set(old_params) | set(new_params)):
        if old_params.get(key) != new_params.get(key):
            return f"{key} was {old_params.get(key)!r}, now {new_params.get(key)!r}"
    if old.get("corpus_sha256") != new["corpus_sha256"]:
        return f"it was written for another corpus ({old.get('n_documents')} documents)"
    return "it was written for other labels"
