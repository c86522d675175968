"""Widget panels for the demo apps in ``notebooks/apps``: each app notebook calls one of them.

Import the panel from its module (``from kit.widgets.translate import translate_app``); this package
imports nothing itself, so ``import kit`` never loads ipywidgets.
"""
