"""What keeps a lesson safe in a classroom, underneath the lecture's lines, one concern to a module.

`import lessonkit`, a lesson's first import, starts TensorFlow quietly for the lesson's own
`import tensorflow as tf` and, in a process that is the lesson's own, tells a problem in one line
(a mistake in the lesson as Python shows it) and escapes text the console cannot show. The lesson
calls helpers as `lessonkit.NAME`, so that the lecture's lines and the collection's are told
apart at a glance.
"""
import importlib as _importlib
import re as _re

from lessonkit import platforms as _platforms

_HELPERS = {"flags": ("letter_flags", "stock_flags"),
            "checkpoints": ("checkpoint_to_load",),
            "best_weights": ("ModelCheckpoint",),
            "plots": ("show_or_save",),
            "prompt": ("ask_count", "ask_word", "show_more"),
            "prices": ("read_prices",),
            "forecast_errors": ("compare_with_persistence", "scaling_diagnosis"),
            "price_scaling": ("window_scaled", "prices_from_window_scaled")}
_MODULE_OF = {name: module for module, names in _HELPERS.items() for name in names}


def __getattr__(name):
    if name in _MODULE_OF:
        return getattr(_importlib.import_module(f"lessonkit.{_MODULE_OF[name]}"), name)
    raise AttributeError(f"module 'lessonkit' has no attribute {name!r}")


def _begin():
    importer = _platforms.lesson_globals()
    if importer.get("__name__") != "__main__":
        return  # imported by a test, a benchmark or another module: nothing changes
    from lessonkit import tensorflow_start

    path = importer.get("__file__")
    own_process = path is not None and not _platforms.current().in_ipython
    if own_process:
        from lessonkit import console, exits

        exits.install(path)
        console.install()
    if path is None or _imports_tensorflow(path):  # not the by-hand pass, which may refuse first
        tensorflow_start.start(own_process)


def _imports_tensorflow(path):
    try:
        with open(path, encoding="utf-8") as file:
            return _re.search(r"^(import|from) tensorflow\b", file.read(), _re.M) is not None
    except (OSError, UnicodeDecodeError):
        return True


_begin()
