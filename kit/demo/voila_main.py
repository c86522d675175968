"""The Voila process behind ``kit demo``: Voila with the kit's offline template, the app list and its status.

Run as ``python -m kit.demo.voila_main APPS_DIR [--kit-preheat=NAMES] [VOILA OPTIONS]``; :func:`kit.demo.start`
does that. ``--kit-preheat`` names the apps (comma-separated, or ``*`` for all) that get a preheated kernel:
Voila starts one kernel per app at start-up and runs the app's notebook in it, so the app appears at once.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path

PREHEAT_OPTION = "--kit-preheat="
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
    preheat = next((a[len(PREHEAT_OPTION):] for a in argv if a.startswith(PREHEAT_OPTION)), "")
    argv = [a for a in argv if not a.startswith(PREHEAT_OPTION)]
    # Voila finds templates on the Jupyter data path; put the kit's first.
    extra = os.environ.get("JUPYTER_PATH", "")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(templates_root()), extra) if p)

    from traitlets.config import Config

    from kit.demo import gallery

    config = Config()
    config.VoilaConfiguration.page_config_hook = functools.partial(gallery.page_config_hook, folder=folder)
    if preheat:
        config.VoilaConfiguration.preheat_kernel = True
        config.VoilaKernelManager.kernel_pools_config = pools_config(preheat)
        config.VoilaKernelManager.fill_delay = FILL_DELAY_S
    _kit_voila(folder).launch_instance(argv=argv, config=config)


def _kit_voila(folder: Path) -> type:
    """Voila with one more handler: each app's model and readiness as JSON, at :data:`STATUS_PATH`."""
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
            return [(url_path_join(self.server_url, STATUS_PATH), AppStatusHandler), *super().init_handlers()]

    return KitVoila


if __name__ == "__main__":
    main()
