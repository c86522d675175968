"""Run ``kit.map`` on a Dask distributed cluster: one model per worker, partitions, a resumable store.

Use it through ``kit.map(..., client=...)``; this package holds the parts. ``import kit.cluster`` does not
import dask: only running on a cluster does.
"""

from __future__ import annotations

from kit.cluster.context import worker_model
from kit.cluster.run import ClusterRun, run_map
from kit.cluster.spec import ModelSpec, model_spec
from kit.cluster.store import ResumeStore, default_store_path

__all__ = ["ClusterRun", "ModelSpec", "ResumeStore", "default_store_path", "model_spec", "run_map", "worker_model"]
