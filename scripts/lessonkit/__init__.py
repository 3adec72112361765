"""What keeps a lesson safe in a classroom, underneath the lecture's lines, one concern to a module.

`import lessonkit`, a lesson's first import, makes TensorFlow's import quiet and, in a process
that is the lesson's own, ends a problem in one line instead of a traceback and escapes text the
console cannot show. The lesson calls helpers as `lessonkit.NAME`, imported when first used, so
that the lecture's lines and the collection's are told apart at a glance.
"""
import importlib as _importlib

from lessonkit import platforms as _platforms

_HELPERS = {"flags": ("letter_flags", "stock_flags"),
            "checkpoints": ("checkpoint_to_load",),
            "best_weights": ("ModelCheckpoint", "weights_in_use"),
            "training": ("batches", "validation_batches"),
            "console": ("progress_style",),
            "files": ("weights_file",),
            "plots": ("show_or_save",),
            "prompt": ("ask_count", "ask_word", "more_letters", "show_probs"),
            "prices": ("read_prices", "stock_name"),
            "forecast_errors": ("errors", "compare_with_persistence", "scaling_diagnosis"),
            "price_scaling": ("window_scaled", "prices_from_window_scaled")}
_MODULE_OF = {name: module for module, names in _HELPERS.items() for name in names}


def __getattr__(name):
    if name in _MODULE_OF:
        return getattr(_importlib.import_module(f"lessonkit.{_MODULE_OF[name]}"), name)
    raise AttributeError(f"module 'lessonkit' has no attribute {name!r}")


def _begin():
    importer = _platforms.lesson_globals()
    if importer.get("__name__") != "__main__":
        return  # imported by a test or a benchmark: nothing changes
    from lessonkit import tensorflow_start

    own_process = not _platforms.current().in_ipython
    if own_process:
        from lessonkit import console, exits

        exits.install(importer.get("__file__"))
        console.install()
    tensorflow_start.install(own_process)


_begin()
