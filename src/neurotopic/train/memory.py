"""Large host arrays on huge pages: W1 and its Adam moments.

Training touches a few thousand random rows of W1 (documents x K) and of its two Adam
moments every step.  With 4 KiB pages each of those rows is usually a TLB miss and a
page-table walk that itself misses the cache (1M documents x 128 topics: 1.5 GB over
three arrays, 390,000 pages); 2 MiB pages cut the walks to a few hundred entries that
stay cached (``docs/benchmarks.md``'s scale section gives the loop's rate with them).

On Linux the arrays are anonymous memory mappings advised ``MADV_HUGEPAGE``, which the
kernel honours when transparent huge pages are ``madvise`` or ``always``
(``/sys/kernel/mm/transparent_hugepage/enabled``); elsewhere, and for arrays under
2 MiB, they are ordinary torch tensors.  Either way they hold the same numbers.
"""

from __future__ import annotations

import mmap

import numpy as np
import torch

#: Smallest array worth a mapping of its own: one huge page.
HUGE_PAGE_BYTES = 2 * 1024 * 1024


def host_zeros(shape: tuple[int, ...]) -> torch.Tensor:
    """A float32 CPU tensor of zeros, on huge pages where the system offers them.

    Parameters
    ----------
    shape : tuple of int

    Returns
    -------
    Tensor of shape ``shape``, float32, C-contiguous and writable
        The memory is freed with the last reference to the tensor.
    """
    n_bytes = 4 * int(np.prod(shape, dtype=np.int64))
    advise = getattr(mmap, "MADV_HUGEPAGE", None)
    if n_bytes < HUGE_PAGE_BYTES or advise is None:
        return torch.zeros(shape, dtype=torch.float32)
    mapping = mmap.mmap(-1, n_bytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    try:
        mapping.madvise(advise)
    except OSError:  # kernels without transparent huge pages refuse the advice
        pass
    # Anonymous pages read as zeros until written; the array keeps the mapping alive.
    array = np.frombuffer(mapping, dtype=np.float32).reshape(shape)
    return torch.from_numpy(array)


def host_zeros_like(tensor: torch.Tensor) -> torch.Tensor:
    """:func:`host_zeros` of ``tensor``'s shape for a float32 CPU tensor, else ``zeros_like``."""
    if tensor.device.type != "cpu" or tensor.dtype != torch.float32:
        return torch.zeros_like(tensor)
    return host_zeros(tuple(tensor.shape))
