"""What keeps a lesson safe in a classroom, underneath the lecture's lines, one concern to a module.

A lesson imports this first (`import lessonkit`): in a process that is the lesson's own, a problem
then ends the run in one line instead of a traceback, and text the console cannot show is escaped;
everywhere, TensorFlow's import is made quiet. A lesson calls the helpers as `lessonkit.NAME`, so
that what is the lecture's and what is the collection's can be told apart at a glance.

    flags             the command-line flags (defaults the lecture's), the lesson's name
    exits             how a run ends: one line and a status, never a traceback
    console           output that never fails; training progress as this console can show it
    platforms         the facts that differ between Linux, macOS, Windows, notebooks and IDEs
    commands          the commands a message suggests, as the user would type them there
    tensorflow_start  the lesson's own `import tensorflow`, made quiet
    training          what `fit` reads: the lesson's arrays as a cached tf.data pipeline
    checkpoints       the checkpoint file: checked, resumed from (断点续训), written whole
    best_weights      ModelCheckpoint, keeping the best weights whatever ends the training
    files             the files a run writes: checked before training, written whole
    plots             the lecture's plt.show(): saved as PNG, shown where something can show it
    prompt            the letter lessons' prediction prompt, --predict, --probs and --generate
    prices            the stock lessons' price file, read right whatever its layout, or made up
    price_scaling     --scaling window: each window scaled by its last price, and back to prices
    forecast_errors   MSE, RMSE and MAE, the model beside persistence, and why it loses
"""
import importlib as _importlib

from lessonkit import platforms as _platforms

# The names a lesson uses, and the module each lives in: imported when first used, so that
# `import lessonkit` costs nothing before the lesson's own imports.
_HELPERS = {
    "letter_flags": "flags", "stock_flags": "flags",
    "checkpoint_to_load": "checkpoints", "ModelCheckpoint": "best_weights",
    "weights_in_use": "best_weights",
    "batches": "training", "validation_batches": "training", "progress_style": "console",
    "weights_file": "files", "show_or_save": "plots",
    "ask_count": "prompt", "ask_word": "prompt", "more_letters": "prompt", "show_probs": "prompt",
    "read_prices": "prices", "stock_name": "prices",
    "errors": "forecast_errors", "compare_with_persistence": "forecast_errors",
    "scaling_diagnosis": "forecast_errors",
    "window_scaled": "price_scaling", "prices_from_window_scaled": "price_scaling",
}


def __getattr__(name):
    if name in _HELPERS:
        return getattr(_importlib.import_module(f"lessonkit.{_HELPERS[name]}"), name)
    raise AttributeError(f"module 'lessonkit' has no attribute {name!r}")


def _begin():
    """What `import lessonkit` does for a lesson, run as a script or by IPython (see above).

    Imported by anything else (a test, a benchmark), it changes nothing.
    """
    importer = _platforms.lesson_globals()
    if importer.get("__name__") != "__main__":
        return
    from lessonkit import tensorflow_start

    own_process = not _platforms.current().in_ipython
    if own_process:
        from lessonkit import console, exits

        exits.install(importer.get("__file__"))
        console.install()
    tensorflow_start.install(own_process)


_begin()
