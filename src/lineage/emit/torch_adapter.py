"""PyTorch adapter: a plain training loop that reports to a training run.

``train_loop`` runs ``epochs`` passes over a ``DataLoader``, logs the mean training loss (and
validation loss when a validation loader is given) once per epoch as metric series
``train_loss`` / ``val_loss`` with ``step=epoch``, and records the loop's settings as
hyperparameters. ``save_model`` writes the ``state_dict`` and logs it as the model artifact.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Unpack

from lineage.emit.artifacts import save_and_log
from lineage.emit.datasets import ModelNaming
from lineage.emit.run import TrainingRun, current_run


def loop_params(model: Any, optimizer: Any, loss_fn: Any, epochs: int) -> dict[str, Any]:
    """Hyperparameters of a loop: model/optimizer/loss classes, optimizer defaults, epochs."""
    optim_defaults = {
        key: value
        for key, value in getattr(optimizer, "defaults", {}).items()
        if value is None or isinstance(value, str | int | float | bool | tuple)
    }
    return {
        "model": {
            "class": type(model).__name__,
            "parameters": sum(p.numel() for p in model.parameters()),
        },
        "optimizer": {"class": type(optimizer).__name__, **optim_defaults},
        "loss": type(loss_fn).__name__,
        "epochs": epochs,
    }


def _mean_loss(
    model: Any, batches: Iterable[Any], loss_fn: Callable[..., Any], device: Any
) -> float:
    import torch

    total, count = 0.0, 0
    model.eval()
    with torch.no_grad():
        for batch_x, batch_y in batches:
            x, y = batch_x.to(device), batch_y.to(device)
            total += float(loss_fn(model(x), y)) * len(x)
            count += len(x)
    return total / max(count, 1)


def train_loop(
    model: Any,
    train_loader: Iterable[Any],
    *,
    optimizer: Any,
    loss_fn: Callable[..., Any],
    epochs: int,
    val_loader: Iterable[Any] | None = None,
    device: str = "cpu",
    run: TrainingRun | None = None,
) -> list[float]:
    """Train for ``epochs`` and return the per-epoch mean training loss.

    ``run`` defaults to :func:`~lineage.emit.run.current_run`; without one the loop still trains.
    """
    run = run or current_run()
    if run is not None:
        run.log_params(loop_params(model, optimizer, loss_fn, epochs))
        run.set_device(device)
    model.to(device)
    history: list[float] = []
    for epoch in range(epochs):
        model.train()
        total, count = 0.0, 0
        for batch_x, batch_y in train_loader:
            x, y = batch_x.to(device), batch_y.to(device)
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(x)
            count += len(x)
        history.append(total / max(count, 1))
        if run is not None:
            run.log_metric("train_loss", history[-1], step=epoch)
            if val_loader is not None:
                run.log_metric("val_loss", _mean_loss(model, val_loader, loss_fn, device), epoch)
    return history


def save_model(
    model: Any,
    path: str | os.PathLike[str],
    *,
    run: TrainingRun | None = None,
    **naming: Unpack[ModelNaming],
) -> Path:
    """Save ``model.state_dict()`` with ``torch.save`` and log it (framework pytorch)."""
    import torch

    return save_and_log(
        path,
        lambda target: torch.save(model.state_dict(), target),
        framework="pytorch",
        flavor="torch_state_dict",
        run=run,
        **naming,
    )
