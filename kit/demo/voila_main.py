"""The Voila process behind ``kit demo``: Voila with the kit's offline template, the app list and its status.

Run as ``python -m kit.demo.voila_main APPS_DIR [--kit-preheat=NAMES] [--kit-allow-hosts=NAMES] [VOILA OPTIONS]``;
:func:`kit.demo.start` does that. ``--kit-preheat`` names the apps (comma-separated, or ``*`` for all) that get a
preheated kernel: Voila starts one kernel per app at start-up and runs the app's notebook in it, so the app
appears at once. ``--kit-allow-hosts`` names the hosts to accept besides loopback ones (:mod:`kit.demo.hosts`);
every page, file and websocket asked for under another ``Host`` gets 403 with a line saying why.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from pathlib import Path

PREHEAT_OPTION = "--kit-preheat="
HOSTS_OPTION = "--kit-allow-hosts="
STATUS_PATH = "/kit/api/apps"  # the landing page polls this for each app's readiness
FILL_DELAY_S = 5.0  # after an app takes its warm kernel, wait this long before warming the next one


def templates_root() -> Path:
    """The Jupyter data folder that holds the kit's Voila template (``voila/templates/kit``)."""
    return Path(__file__).resolve().parent / "templates"


def pools_config(preheat: str) -> dict:
    """Voila's ``kernel_pools_config`` for ``--kit-preheat``: one warm kernel for each named app, none for others."""
    names = [name.strip() for name in preheat.split(",") if name.strip()]
    if "*" in names:
        return {"default": {"pool_size": 1}}
    return {"default": {"pool_size": 0},
            **{(n if n.endswith(".ipynb") else f"{n}.ipynb"): {"pool_size": 1} for n in names}}


def main(argv: list[str] | None = None) -> None:
    """Start Voila on the apps folder given as the first argument (the rest are Voila options)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        raise SystemExit("usage: python -m kit.demo.voila_main APPS_DIR [--kit-preheat=NAMES] [VOILA OPTIONS]")
    folder = Path(argv[0]).resolve()
    preheat = _option(argv, PREHEAT_OPTION)
    extra_hosts = [name for name in _option(argv, HOSTS_OPTION).split(",") if name]
    argv = [a for a in argv if not a.startswith((PREHEAT_OPTION, HOSTS_OPTION))]
    # Voila finds templates on the Jupyter data path; put the kit's first.
    extra = os.environ.get("JUPYTER_PATH", "")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(templates_root()), extra) if p)

    from traitlets.config import Config

    from kit import limits
    from kit.demo import gallery, hosts

    config = Config()
    config.merge(hosts.host_config(extra_hosts))  # sets Voila.tornado_settings: add to it, never replace it
    config.VoilaConfiguration.page_config_hook = functools.partial(gallery.page_config_hook, folder=folder)
    # An upload is one websocket message: take more than the apps' upload limit, so they can say a file is too large.
    config.Voila.tornado_settings["websocket_max_message_size"] = limits.websocket_message_bytes()
    if preheat:
        config.VoilaConfiguration.preheat_kernel = True
        config.VoilaKernelManager.kernel_pools_config = pools_config(preheat)
        config.VoilaKernelManager.fill_delay = FILL_DELAY_S
    _kit_voila(folder).launch_instance(argv=argv, config=config)


def _option(argv: list[str], prefix: str) -> str:
    return next((a[len(prefix):] for a in argv if a.startswith(prefix)), "")


def _host_checked(handler: type) -> type:
    """``handler`` refusing a request under a host the server does not accept, with a line saying why.

    jupyter_server's own check (its settings from :func:`kit.demo.hosts.host_config`) covers its handlers
    but not Voila's static files and request-info websocket, nor the kit's status handler; this runs the same
    check before every one of them, and answers in plain text rather than a bare 403.
    """
    from jupyter_server.base.handlers import JupyterHandler

    from kit.demo import hosts

    class HostChecked(handler):
        if not hasattr(handler, "log"):  # JupyterHandler.check_host logs a refusal through self.log
            log = logging.getLogger("kit.demo")

        def prepare(self, *args, **kwargs):
            if not JupyterHandler.check_host(self):
                self.set_status(403)
                self.set_header("Content-Type", "text/plain; charset=utf-8")
                self.finish(hosts.refusal(self.request.host, self.settings.get("local_hostnames", ())))
                return None
            return super().prepare(*args, **kwargs)

    HostChecked.__name__ = HostChecked.__qualname__ = handler.__name__
    return HostChecked


def _kit_voila(folder: Path) -> type:
    """Voila with one more handler (each app's model and readiness as JSON, at :data:`STATUS_PATH`), and
    every handler checking the request's ``Host``."""
    import tornado.web
    from jupyter_server.utils import url_path_join
    from voila.app import Voila

    from kit.demo import gallery, status

    class AppStatusHandler(tornado.web.RequestHandler):
        def get(self) -> None:
            names = [app.name for app in gallery.find_apps(folder)]
            self.set_header("Content-Type", "application/json")
            self.set_header("Cache-Control", "no-store")
            self.finish(json.dumps({"apps": status.statuses(folder, names, self.settings.get("kernel_manager"))}))

    class KitVoila(Voila):
        def init_handlers(self) -> list:
            handlers = [(url_path_join(self.server_url, STATUS_PATH), AppStatusHandler), *super().init_handlers()]
            return [(spec[0], _host_checked(spec[1]), *spec[2:]) for spec in handlers]

    return KitVoila


if __name__ == "__main__":
    main()
