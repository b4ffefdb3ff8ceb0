"""Hyperparameters and metrics: flattening, hashing and per-step summaries.

Wire rules (the contract the collector relies on):

* nested mappings are flattened with ``.``; sequences by index (``layers.0.units``);
* leaf values are JSON scalars: strings, finite numbers, booleans. ``None`` leaves are omitted
  (the openlineage client drops nulls on the wire); non-finite floats become the strings
  ``"NaN"``, ``"Infinity"``, ``"-Infinity"``; empty containers become ``"{}"`` / ``"[]"``; other
  objects (paths, enums, estimators) become ``str(value)``; numpy scalars become Python scalars;
* ``configHash`` = sha256 hex of ``json.dumps(params, sort_keys=True, separators=(",", ":"),
  ensure_ascii=False)`` encoded as UTF-8, over exactly the ``parameters`` object that is sent.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

import attr

Scalar = str | int | float | bool


def json_scalar(value: Any) -> Scalar | None:
    """Turn one leaf value into a JSON-safe scalar (``None`` stays ``None``)."""
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else _non_finite(value)
    item = getattr(value, "item", None)  # numpy / torch scalars
    if callable(item) and getattr(value, "ndim", 0) == 0:
        try:
            return json_scalar(item())
        except (TypeError, ValueError):
            pass
    return str(value)


def _non_finite(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def flatten_params(config: Mapping[str, Any], prefix: str = "") -> dict[str, Scalar]:
    """Flatten a nested mapping into ``{dotted.key: scalar}`` (see the module rules)."""
    flat: dict[str, Scalar] = {}
    for key, value in config.items():
        _flatten_into(flat, f"{prefix}{key}", value)
    return flat


def _flatten_into(flat: dict[str, Scalar], key: str, value: Any) -> None:
    if isinstance(value, Mapping):
        if not value:
            flat[key] = "{}"
        for sub_key, sub_value in value.items():
            _flatten_into(flat, f"{key}.{sub_key}", sub_value)
    elif isinstance(value, list | tuple):
        if not value:
            flat[key] = "[]"
        for index, item in enumerate(value):
            _flatten_into(flat, f"{key}.{index}", item)
    else:
        scalar = json_scalar(value)
        if scalar is not None:
            flat[key] = scalar


def config_hash(params: Mapping[str, Scalar]) -> str:
    """The stable sha256 hex digest of flattened ``params`` (canonical JSON)."""
    canonical = json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def params_from_omegaconf(cfg: Any) -> dict[str, Any]:
    """Resolve an OmegaConf ``DictConfig`` (e.g. from Hydra) into a plain nested dict.

    Interpolations are resolved (``OmegaConf.to_container(cfg, resolve=True)``); missing
    values (``???``) stay as the string ``"???"``.
    """
    from omegaconf import OmegaConf

    container = OmegaConf.to_container(cfg, resolve=True)
    if not isinstance(container, dict):
        msg = f"expected a DictConfig, got {type(cfg).__name__}"
        raise TypeError(msg)
    return {str(key): value for key, value in container.items()}


def as_param_mapping(config: Any) -> Mapping[str, Any]:
    """Accept a mapping, an OmegaConf config or a dataclass/attrs object as parameters."""
    if type(config).__module__.startswith("omegaconf"):
        return params_from_omegaconf(config)
    if isinstance(config, Mapping):
        return config
    if attr.has(type(config)):
        return attr.asdict(config)
    import dataclasses

    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        return dataclasses.asdict(config)
    msg = f"cannot read parameters from {type(config).__name__}"
    raise TypeError(msg)
