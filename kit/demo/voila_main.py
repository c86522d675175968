"""The Voila process behind ``kit demo``: Voila with the kit's offline template and the app list.

Run as ``python -m kit.demo.voila_main APPS_DIR --port N``; :func:`kit.demo.start` does that.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path


def templates_root() -> Path:
    """The Jupyter data folder that holds the kit's Voila template (``voila/templates/kit``)."""
    return Path(__file__).resolve().parent / "templates"


def main(argv: list[str] | None = None) -> None:
    """Start Voila on the apps folder given as the first argument (the rest are Voila options)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        raise SystemExit("usage: python -m kit.demo.voila_main APPS_DIR [VOILA OPTIONS]")
    folder = Path(argv[0]).resolve()
    # Voila finds templates on the Jupyter data path; put the kit's first.
    extra = os.environ.get("JUPYTER_PATH", "")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(templates_root()), extra) if p)

    from traitlets.config import Config
    from voila.app import Voila

    from kit.demo import gallery

    config = Config()
    config.VoilaConfiguration.page_config_hook = functools.partial(gallery.page_config_hook, folder=folder)
    Voila.launch_instance(argv=argv, config=config)


if __name__ == "__main__":
    main()
