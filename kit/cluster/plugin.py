"""The Dask worker plugin that loads the model once per worker and holds it for every task there."""

from __future__ import annotations

import asyncio
import contextlib
import threading

from distributed.diagnostics.plugin import WorkerPlugin

from kit.cluster.spec import ModelSpec
from kit.errors import ClusterError


class ModelPlugin(WorkerPlugin):
    """Loads ``spec`` when a worker starts (or joins later) and closes it when the worker stops.

    ``idempotent``: registering the same spec again (another ``kit.map`` call) keeps the loaded model.
    """

    idempotent = True

    def __init__(self, spec: ModelSpec):
        self.spec = spec
        self.name = f"kit-model-{spec.identity()}"
        self.model = None
        self.server = None  # the worker's own llama-server, in server mode
        self.error: str | None = None
        self.worker_address = ""
        self.lock = threading.Lock()  # one in-process model serves one call at a time, whatever --nthreads

    def guard(self):
        """The lock for an in-process model; nothing for a server, which has slots for concurrent calls."""
        return self.lock if self.server is None else contextlib.nullcontext()

    def __getstate__(self):
        return {"spec": self.spec, "name": self.name}

    def __setstate__(self, state):
        self.__init__(state["spec"])

    async def setup(self, worker) -> None:
        """Load the model in a thread so the worker keeps answering the scheduler meanwhile."""
        self.worker_address = worker.address
        try:
            self.model, self.server = await asyncio.get_running_loop().run_in_executor(None, self._load)
        except Exception as exc:  # noqa: BLE001 - reported to the client with the worker's address
            self.error = f"{type(exc).__name__}: {exc}"
            raise ClusterError(f"Worker {worker.address} could not load the model: {self.error}") from None

    def _load(self):
        model, server = self.spec.load()
        if self.spec.sha256 and model.info.sha256 != self.spec.sha256:
            model.close()
            if server is not None:
                server.stop()
            raise ClusterError(
                f"its model file {model.info.file} differs from the client's (sha256 {model.info.sha256[:12]}… "
                f"vs {self.spec.sha256[:12]}…). Copy the same .gguf to every worker (e.g. `kit models pull`)."
            )
        return model, server

    def teardown(self, worker) -> None:
        """Free the model's memory when the worker closes or the plugin is removed."""
        if self.model is not None:
            self.model.close()
            self.model = None
        if self.server is not None:
            self.server.stop()
            self.server = None

    def loaded(self):
        """The model, or a ``ClusterError`` saying why this worker has none."""
        if self.model is None:
            raise ClusterError(f"Worker {self.worker_address} could not load the model: "
                               f"{self.error or 'it is still loading'}.")
        return self.model


def register(client, spec: ModelSpec) -> str:
    """Load ``spec`` on every worker (once; later workers load it when they join); returns the plugin name."""
    plugin = ModelPlugin(spec)
    client.register_plugin(plugin, name=plugin.name)
    return plugin.name
