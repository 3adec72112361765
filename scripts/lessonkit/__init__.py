"""What keeps a lesson safe in a classroom, one concern to a module, called as `lessonkit.NAME`;
imported first, it starts TensorFlow quietly and, in the lesson's own process, tells a problem in one line."""
import importlib as _importlib
import re as _re

from lessonkit import platforms as _platforms

_MODULE_OF = {"letter_flags": "flags", "stock_flags": "flags", "checkpoint_to_load": "checkpoints",
              "ModelCheckpoint": "best_weights", "show_or_save": "plots", "ask_count": "prompt",
              "ask_word": "prompt", "show_more": "prompt", "read_prices": "prices",
              "compare_with_persistence": "forecast_errors", "scaling_diagnosis": "forecast_errors",
              "window_scaled": "price_scaling", "prices_from_window_scaled": "price_scaling"}


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
