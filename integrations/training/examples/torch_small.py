"""Train a tiny PyTorch regression model on CPU and report it as a training run.

The data is synthetic (``y = 3x1 - 2x2 + noise``), written to a CSV under
``LINEAGE_DEMO_DATA_DIR`` so the run has a real input dataset; the model's ``state_dict`` is the
output. Per-epoch training and validation losses are reported as metric series.

Run: ``python integrations/training/examples/torch_small.py`` (``OPENLINEAGE_URL`` selects the
collector). ``EPOCHS`` overrides the number of epochs (default 5).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from lineage.emit import file_input, training_run
from lineage.emit.torch_adapter import save_model, train_loop


def write_data(path: Path, rows: int = 256, seed: int = 0) -> None:
    """Write the synthetic regression data set as CSV ``x1,x2,y``."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.rand(rows, 2, generator=generator)
    y = 3 * x[:, 0] - 2 * x[:, 1] + 0.05 * torch.randn(rows, generator=generator)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["x1", "x2", "y"])
        writer.writerows(zip(x[:, 0].tolist(), x[:, 1].tolist(), y.tolist(), strict=True))


def read_data(path: Path) -> TensorDataset:
    """The CSV as a ``TensorDataset`` of ``(features, target)``."""
    with path.open(newline="") as handle:
        rows = [[float(v) for v in row] for row in list(csv.reader(handle))[1:]]
    table = torch.tensor(rows)
    return TensorDataset(table[:, :2], table[:, 2:])


def main() -> None:
    """Train for ``EPOCHS`` epochs and save the model next to the data."""
    torch.manual_seed(0)
    directory = Path(os.environ.get("LINEAGE_DEMO_DATA_DIR", "/tmp/lineage-demo")).absolute()
    data_path = directory / "regression.csv"
    if not data_path.exists():
        write_data(data_path)
    data = read_data(data_path)
    train, val = torch.utils.data.random_split(data, [0.75, 0.25])
    epochs = int(os.environ.get("EPOCHS", "5"))
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
    with training_run(
        "regression.torch_small",
        namespace=os.environ.get("LINEAGE_TRAINING_NAMESPACE", "ml"),
        inputs=[file_input(data_path, role="train", row_count=len(train))],
        params={"batch_size": 32, "seed": 0},
    ) as run:
        losses = train_loop(
            model,
            DataLoader(train, batch_size=32, shuffle=True),
            val_loader=DataLoader(val, batch_size=64),
            optimizer=torch.optim.Adam(model.parameters(), lr=0.05),
            loss_fn=nn.MSELoss(),
            epochs=epochs,
        )
        save_model(model, directory / "torch_small.pt")
    print(f"losses: {[round(v, 4) for v in losses]}\nrun: {run.run_id} ({run.state})")


if __name__ == "__main__":
    main()
