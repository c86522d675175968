"""The stakeholder demo: the app notebooks in ``notebooks/apps`` served by Voila on 127.0.0.1, offline.

``kit demo`` calls :func:`serve`; tests and scripts use :func:`start`, which returns a running
:class:`DemoServer`. Voila itself is imported only in the server's own process. ``kit demo`` preheats one
kernel per app; the landing page shows each app's model and whether it is ready (:mod:`kit.demo.status`).
"""

from __future__ import annotations

from kit.demo.server import DemoServer, serve, start

__all__ = ["DemoServer", "serve", "start"]
