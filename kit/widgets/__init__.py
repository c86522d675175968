"""Shared pieces of every app: the panel skeleton (``app``), HTML helpers (``html``) and the job runner (``jobs``).

Each tool's app is ``<tool>/app.py`` (its panel) beside ``<tool>/view.py`` (its HTML), e.g.
``from kit.translate.app import translate_app``; this package imports nothing itself, so ``import kit`` never
loads ipywidgets.
"""
