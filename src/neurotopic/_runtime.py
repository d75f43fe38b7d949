"""Where a fit runs: the torch device, checked before any work."""

from __future__ import annotations

import torch

from .errors import NeurotopicError


def resolve_device(device: str) -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; other values as torch reads them.

    Raises
    ------
    NeurotopicError
        If the device is unknown, or is a CUDA device that this machine's torch cannot
        use (checked here, before a fit does any work or writes a checkpoint).
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise NeurotopicError(f"unknown device '{device}'; use auto, cpu or cuda") from None
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise NeurotopicError(
                f"device '{device}' needs a CUDA GPU, but torch finds none on this machine; "
                "use device='cpu' or device='auto', or install a CUDA build of torch"
            )
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise NeurotopicError(
                f"device '{device}' does not exist: torch finds {torch.cuda.device_count()} "
                "CUDA GPU(s); use cuda:0 or 'auto'"
            )
    return resolved
