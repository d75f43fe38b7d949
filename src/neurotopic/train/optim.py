"""Adam on the rows of W1 that a step touches (the update of ``torch.optim.SparseAdam``),
and a plain Adam for the few dense parameters.

:class:`RowAdam` is the one Adam of document rows: training's W1 and fold-in's new rows
(with ``torch.optim.Adam``'s placement of ``eps``, see ``eps_after_correction``).  Its
compiled CPU path is :func:`neurotopic.kernels.row_adam` (``_adam_element`` there is the
update of one weight); :class:`DenseAdam` keeps ``torch.optim.Adam``'s own arithmetic,
bit for bit, for W2 and the pre-training's weights.

The gradient of the document logits W1 is non-zero only on the rows of the documents
in a batch.  Computing it directly on those rows (a dense ``(U, K)`` block for ``U``
distinct documents) and updating their Adam moments in place gives exactly
SparseAdam's step without building and coalescing a sparse gradient, which was the
largest single cost of a training step.  Rows not in the batch are untouched: no decay
or momentum reaches them (the cause of the earlier implementation's collapse, see
``docs/model.md``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import torch

from .kernels import row_adam, row_adam_softmax, softmax_backward
from .memory import host_zeros_like


def softmax_gradient(ld: torch.Tensor, grad_ld: torch.Tensor, *, kernel: bool) -> torch.Tensor:
    """The gradient on the logits of ``ld = softmax(logits)``: ``ld * (g - <g, ld>)``.

    Parameters
    ----------
    ld : Tensor of shape (U, K)
    grad_ld : Tensor of shape (U, K)
        Gradient on ``ld``.
    kernel : bool
        Use :func:`neurotopic.kernels.softmax_backward` (CPU float32 only; the same
        numbers up to float32 rounding) rather than torch operations.

    Returns
    -------
    Tensor of shape (U, K)
    """
    if not kernel:
        return ld * (grad_ld - (grad_ld * ld).sum(-1, keepdim=True))
    row_grad = torch.empty_like(ld)
    softmax_backward(ld.numpy(), grad_ld.numpy(), row_grad.numpy())
    return row_grad


class RowAdam:
    """Adam with per-row moments, stepping only the given rows.

    Parameters
    ----------
    weight : Tensor of shape (n_rows, n_cols)
        Updated in place.
    lr : float
        Learning rate.
    betas : tuple of float
        Decay of the first and second moments.
    eps : float
        Added to the denominator.
    use_kernel : bool
        Step CPU float32 rows with the compiled :func:`neurotopic.kernels.row_adam`
        (about 2x faster than torch's gathers and scatters; the same update up to
        float32 rounding).  Other devices and dtypes, and ``eps_after_correction``,
        always take torch's path.
    eps_after_correction : bool
        Add ``eps`` to the bias-corrected ``sqrt(v_r / (1 - b2^t))``, as
        ``torch.optim.Adam`` does (fold-in's steps), rather than to ``sqrt(v_r)``.
    row_lr : Tensor of shape (n_rows,), optional
        A learning rate per row, replacing ``lr`` (fold-in's steps, which grow with a
        document's terms).  Steps with it take torch's path.

    Notes
    -----
    With ``t`` the number of steps taken so far, a row ``r`` in the step gets
    ``m_r <- b1 m_r + (1 - b1) g_r``, ``v_r <- b2 v_r + (1 - b2) g_r^2`` and
    ``w_r <- w_r - lr sqrt(1 - b2^t) / (1 - b1^t) * m_r / (sqrt(v_r) + eps)``,
    as ``torch.optim.SparseAdam`` does; with ``eps_after_correction``,
    ``w_r <- w_r - lr / (1 - b1^t) * m_r / (sqrt(v_r / (1 - b2^t)) + eps)``.
    """

    def __init__(
        self,
        weight: torch.Tensor,
        lr: float,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        *,
        use_kernel: bool = True,
        eps_after_correction: bool = False,
        row_lr: torch.Tensor | None = None,
    ) -> None:
        self.weight = weight
        self.lr = lr
        # (n_rows, 1): each row's rate relative to lr, broadcast over the columns
        self.row_scale = None if row_lr is None else (row_lr / lr).reshape(-1, 1).to(weight)
        self.betas = betas
        self.eps = eps
        self.exp_avg = host_zeros_like(weight)  # (n_rows, n_cols), on huge pages
        self.exp_avg_sq = host_zeros_like(weight)  # (n_rows, n_cols)
        self.steps = 0
        self.use_kernel = use_kernel
        self.eps_after_correction = eps_after_correction

    @torch.no_grad()
    def step(self, rows: torch.Tensor | None, grad: torch.Tensor) -> None:
        """Update ``weight[rows]`` with their gradient.

        Parameters
        ----------
        rows : LongTensor of shape (U,), or None
            Distinct row ids; None: every row, in order.
        grad : Tensor of shape (U, n_cols)
            Gradient of the loss with respect to ``weight[rows]``.
        """
        step_size, sq_correction = self._advance()
        beta1, beta2 = self.betas
        if self._compiled(rows, grad):
            # one read and one write of each row's weight and moments
            row_adam(
                self.weight.detach().numpy(),
                self.exp_avg.numpy(),
                self.exp_avg_sq.numpy(),
                self._row_ids(rows).numpy(),
                grad.detach().contiguous().numpy(),
                step_size,
                beta1,
                beta2,
                self.eps,
            )
            return
        if rows is None:  # every row: in place
            weight, m, v = self.weight, self.exp_avg, self.exp_avg_sq
        else:
            # index_select / index_copy_ rather than fancy indexing: the same numbers,
            # about twice as fast on large matrices (random rows of a 1M x 128 W1).
            weight, m, v = (t.index_select(0, rows) for t in self._tensors())
        m.mul_(beta1).add_(grad, alpha=1 - beta1)
        v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        # eps added to sqrt(v), or (eps_after_correction) to sqrt(v / (1 - b2^t))
        root = v.sqrt() if sq_correction == 1.0 else (v / sq_correction).sqrt_()
        update = m * step_size
        if self.row_scale is not None:
            update.mul_(self.row_scale if rows is None else self.row_scale.index_select(0, rows))
        weight.sub_(update.div_(root.add_(self.eps)))
        if rows is not None:
            for target, rows_value in zip(self._tensors(), (weight, m, v), strict=True):
                target.index_copy_(0, rows, rows_value)

    @torch.no_grad()
    def step_softmax(
        self, rows: torch.Tensor | None, ld: torch.Tensor, grad_ld: torch.Tensor
    ) -> None:
        """:meth:`step` for rows whose loss sees them through ``ld = softmax(weight[rows])``.

        Parameters
        ----------
        rows : LongTensor of shape (U,), or None
            Distinct row ids; None: every row, in order.
        ld : Tensor of shape (U, n_cols)
            ``softmax(weight[rows])``.
        grad_ld : Tensor of shape (U, n_cols)
            Gradient of the loss with respect to ``ld``.

        The gradient on the rows is ``ld * (grad_ld - <grad_ld, ld>)``; on the CPU
        (:func:`neurotopic.kernels.row_adam_softmax`) it is formed row by row inside the
        update, with the numbers of computing it first and calling :meth:`step`.
        """
        if not (self._compiled(rows, ld) and self._compiled(rows, grad_ld)):
            self.step(rows, softmax_gradient(ld, grad_ld, kernel=False))
            return
        step_size, _ = self._advance()
        beta1, beta2 = self.betas
        row_adam_softmax(
            self.weight.detach().numpy(),
            self.exp_avg.numpy(),
            self.exp_avg_sq.numpy(),
            self._row_ids(rows).numpy(),
            ld.detach().contiguous().numpy(),
            grad_ld.detach().contiguous().numpy(),
            step_size,
            beta1,
            beta2,
            self.eps,
        )

    def _advance(self) -> tuple[float, float]:
        """Count one more step; its step size and the divisor of ``v`` under the root.

        SparseAdam's form folds both bias corrections into the step size (divisor 1);
        with ``eps_after_correction`` the second divides ``v``.
        """
        self.steps += 1
        beta1, beta2 = self.betas
        correction1, correction2 = 1 - beta1**self.steps, 1 - beta2**self.steps
        if self.eps_after_correction:
            return self.lr / correction1, correction2
        return self.lr * math.sqrt(correction2) / correction1, 1.0

    def _compiled(self, rows: torch.Tensor | None, grad: torch.Tensor) -> bool:
        """Whether :func:`neurotopic.kernels.row_adam` can take this step (CPU float32,
        SparseAdam's form)."""
        tensors = (*self._tensors(), grad)
        return (
            self.use_kernel
            and not self.eps_after_correction
            and self.row_scale is None
            and all(t.device.type == "cpu" and t.dtype == torch.float32 for t in tensors)
            and all(t.is_contiguous() for t in tensors[:3])
            and (rows is None or (rows.dtype == torch.int64 and rows.is_contiguous()))
        )

    def _tensors(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The weight and its two moments."""
        return self.weight, self.exp_avg, self.exp_avg_sq

    def _row_ids(self, rows: torch.Tensor | None) -> torch.Tensor:
        """``rows``, or every row's id when None."""
        return torch.arange(self.weight.shape[0]) if rows is None else rows

    def state_dict(self) -> dict[str, torch.Tensor | int | float]:
        """Moments and step count (for checkpoints)."""
        return {
            "exp_avg": self.exp_avg,
            "exp_avg_sq": self.exp_avg_sq,
            "steps": self.steps,
            "lr": self.lr,
        }

    def load_state_dict(self, state: dict[str, torch.Tensor | int | float]) -> None:
        """Restore what :meth:`state_dict` returned."""
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        assert isinstance(exp_avg, torch.Tensor) and isinstance(exp_avg_sq, torch.Tensor)
        self.exp_avg.copy_(exp_avg)
        self.exp_avg_sq.copy_(exp_avg_sq)
        self.steps = int(state["steps"])


class DenseAdam:
    """``torch.optim.Adam``'s default single-tensor step on a few dense tensors.

    The same arithmetic as ``torch.optim.Adam(params, lr)`` without weight decay or
    AMSGrad (bit-identical on the CPU; ``tests/test_optim.py``), and the same
    ``state_dict()["state"]`` layout.  It exists because the first ``torch.optim``
    optimiser of a process imports ``torch._dynamo``, which takes seconds: a large
    share of a small fit, for W2 and its bias.

    Parameters
    ----------
    params : iterable of Tensor
        Leaf tensors with ``requires_grad``; updated in place.
    lr : float
        Learning rate.
    betas : tuple of float
        Decay of the first and second moments.
    eps : float
        Added to the denominator.
    """

    def __init__(
        self,
        params: Iterable[torch.Tensor],
        lr: float,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        self.params = list(params)
        self.lr = lr
        self.betas = betas
        self.eps = eps
        self.state: dict[int, dict[str, torch.Tensor]] = {}

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Drop (or zero) the gradients of the parameters."""
        for p in self.params:
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.zero_()

    @torch.no_grad()
    def step(self) -> None:
        """One Adam step on every parameter that has a gradient."""
        beta1, beta2 = self.betas
        for i, param in enumerate(self.params):
            grad = param.grad
            if grad is None:
                continue
            state = self.state.get(i)
            if state is None:
                state = self.state[i] = {
                    "step": torch.tensor(0.0),
                    "exp_avg": torch.zeros_like(param, memory_format=torch.preserve_format),
                    "exp_avg_sq": torch.zeros_like(param, memory_format=torch.preserve_format),
                }
            step_t, exp_avg, exp_avg_sq = state["step"], state["exp_avg"], state["exp_avg_sq"]
            step_t += 1
            exp_avg.lerp_(grad, 1 - beta1)
            exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            step = step_t.item()
            bias_correction1 = 1 - beta1**step
            bias_correction2 = 1 - beta2**step
            step_size = self.lr / bias_correction1
            denom = (exp_avg_sq.sqrt() / bias_correction2**0.5).add_(self.eps)
            param.addcdiv_(exp_avg, denom, value=-step_size)

    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {"step", "exp_avg", "exp_avg_sq"}}, "param_groups": [...]}``."""
        return {
            "state": self.state,
            "param_groups": [
                {
                    "lr": self.lr,
                    "betas": self.betas,
                    "eps": self.eps,
                    "params": list(range(len(self.params))),
                }
            ],
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the moments of :meth:`state_dict` (the hyper-parameters stay)."""
        self.state = {
            int(i): {
                key: value.to(device=self.params[int(i)].device)
                if key != "step"
                else value.detach().clone().to(torch.float32).reshape(())
                for key, value in moments.items()
            }
            for i, moments in state_dict["state"].items()
        }
