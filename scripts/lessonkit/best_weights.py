"""Keeping the best weights while a lesson trains: in memory at once, on disk every few seconds.

Like the lecture's ModelCheckpoint(save_best_only=True, save_weights_only=True), with what a
classroom needs on top:

- a better epoch is written at once, unless the last write was under WRITE_INTERVAL seconds
  ago: then it is written at the first epoch's end after that, better or not, and at the end.
  A run killed outright (SIGKILL, the OOM killer, a closed console window on Windows, a
  notebook kernel restarted, a power cut) loses at most those few seconds of training;
- training ends cleanly on Ctrl-C, SIGTERM, SIGHUP (the terminal closing) and SIGBREAK
  (Ctrl-Break on Windows): the best weights are written, and a signal that comes while the file
  is being written waits until it is whole. The run then ends as an interrupted one (status 130);
- a resumed run replaces the checkpoint only with weights better than the ones it holds;
- a folder that turns read-only or a disk that fills during training loses nothing: the weights
  go where they can, and one line says where.
"""
import contextlib
import math
import os
import signal
import sys
import tempfile
import time

import numpy as np

from lessonkit import files
from lessonkit.checkpoints import Record, check_room_for, lesson_of, save_checkpoint
from lessonkit.exits import interrupted

WRITE_INTERVAL = 3.0  # seconds: the most training a run killed outright can lose

STOPPING_SIGNALS = [getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK")
                    if hasattr(signal, name)]


class BestWeights:
    """A Keras callback's state: the best epoch so far, in memory and, every few seconds, on disk."""

    def __init__(self, model, checkpoint_save_path, monitor, resumed, interval, data=None):
        self.model, self.path, self.monitor, self.interval = model, checkpoint_save_path, monitor, interval
        self.data = data
        self.epochs_done, self.best_epoch, self.improved = 0, None, False
        self.best, self.best_weights = math.inf, None
        if (resumed is not None and resumed.monitor == monitor and math.isfinite(resumed.best)
                and resumed.data == data):
            self.best, self.best_weights = resumed.best, model.get_weights()  # the file's, loaded
        self.record_best = self.best
        self.on_disk = True     # the best weights held in memory are the ones in the file
        self.last_write = time.monotonic()
        self.write_problem = None
        self.deferred_signals = 0
        self.signals_raise = True
        self.resumable = True   # the checkpoint holds what the next run should resume from

    def epoch_ended(self, epoch, logs):
        self.epochs_done = epoch + 1
        value = (logs or {}).get(self.monitor)
        if value is not None and value < self.best:
            self.best, self.best_epoch, self.improved = float(value), epoch + 1, True
            self.best_weights = [w.copy() for w in self.model.get_weights()]
            self.on_disk = False
        if not self.on_disk and time.monotonic() - self.last_write >= self.interval:
            self.write_now()

    def record(self):
        return Record(lesson_of(self.path), self.monitor, self.best, self.best_epoch, self.data)

    def write_now(self):
        """Write the best weights so far; a failure is said once, and waits for the end."""
        with self.signals_deferred(), self.holding_the_best():
            try:
                save_checkpoint(self.model, self.path, self.record())
            except (OSError, RuntimeError) as error:
                if self.write_problem is None:
                    print(f"Warning: cannot write {self.path} now ({files.reason(error)}); "
                          "the best weights are kept in memory until training ends.",
                          file=sys.stderr)
                self.write_problem = error
            else:
                self.on_disk, self.write_problem = True, None
            self.last_write = time.monotonic()

    @contextlib.contextmanager
    def holding_the_best(self):
        """The model holds the best weights for as long as they are written, then its own again."""
        current = self.model.get_weights()
        best_is_current = all(np.array_equal(a, b) for a, b in zip(current, self.best_weights))
        if not best_is_current:
            self.model.set_weights(self.best_weights)
        try:
            yield
        finally:
            if not best_is_current:
                self.model.set_weights(current)

    @contextlib.contextmanager
    def signals_deferred(self):
        """A stopping signal that comes now is kept until the file is whole."""
        raising, self.signals_raise = self.signals_raise, False
        try:
            yield
        finally:
            self.signals_raise = raising
        if raising and self.deferred_signals:
            raise KeyboardInterrupt

    def on_signal(self, signum, frame):
        self.deferred_signals += 1
        if self.signals_raise:  # during training: stop it, as Ctrl-C does
            self.signals_raise = False
            raise KeyboardInterrupt

    def write_at_the_end(self):
        """Write what is newer than the file; returns the line that says what was kept."""
        if self.best_weights is None or self.epochs_done == 0:
            if os.path.exists(self.path):
                return f"{self.path} left as it was"
            self.resumable = False
            return "nothing saved"
        if not self.improved:
            return (f"no epoch beat the best {self.monitor} {self.record_best:.4f} of {self.path}, "
                    "which is left as it was")
        saved = f"best {self.monitor} {self.best:.4f} at epoch {self.best_epoch}"
        if self.on_disk and os.path.isfile(self.path):  # (and not removed since)
            return f"{saved}, saved to {self.path}"
        with self.holding_the_best():
            try:
                save_checkpoint(self.model, self.path, self.record(), keep=True)
                return f"{saved}, saved to {self.path}"
            except files.NotReplaced as error:
                self.resumable = False
                return (f"{saved}; it could not replace {self.path} ({files.reason(error.cause)}), "
                        f"so it is kept in {error.kept_path}: rename that file to "
                        f"{os.path.basename(self.path)} to resume from it")
            except (OSError, RuntimeError) as error:
                self.resumable = False
                return f"{saved}; {self.saved_elsewhere(error)}"

    def saved_elsewhere(self, error):
        """Where the weights went when the checkpoint's folder could not take them."""
        problem = files.reason(error)
        for folder in (tempfile.gettempdir(), os.path.expanduser("~")):
            elsewhere = os.path.join(folder, os.path.basename(self.path))
            try:
                save_checkpoint(self.model, elsewhere, self.record())
            except (OSError, RuntimeError):
                continue
            return (f"{self.path} could not be written ({problem}), so it is saved to "
                    f"{elsewhere}: copy that file to {self.path} to resume from it")
        return f"it could not be saved anywhere ({problem}): free some space and train again"


@contextlib.contextmanager
def keep_best_weights(model, checkpoint_save_path, monitor="loss", resumed=None,
                      restore_best=True, data=None, interval=WRITE_INTERVAL):
    """A Keras callback keeping the best weights by `monitor`, for `model.fit(callbacks=[...])`.

    `resumed` is the Record of the checkpoint the model was resumed from: its weights are the
    ones to beat, if they were trained on the same `data` (a fingerprint of what the model is
    trained on, where that can change); weights trained on other data are replaced by this
    run's best, as the lecture's checkpoint would be, and a line says so. When the `with` block ends, however it ends, what is newer than the file is
    written; when training ended or was interrupted, one line says what was kept. With
    `restore_best` the model then holds the best weights, so what is saved, dumped and queried
    is the same; without, it keeps those of its last epoch.
    """
    import keras

    state = BestWeights(model, checkpoint_save_path, monitor, resumed, interval, data)
    other_data = resumed is not None and resumed.data is not None and resumed.data != data

    class Callback(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            if self.params.get("epochs"):  # a full disk is found now, not after training
                check_room_for(model, checkpoint_save_path)
                if other_data:
                    print(f"({checkpoint_save_path} was trained on other prices: its best {monitor} "
                          "is no bar for these, and this run's best replaces it.)")

        def on_epoch_end(self, epoch, logs=None):
            state.epoch_ended(epoch, logs)

    previous_handlers = {}
    for signum in STOPPING_SIGNALS:
        with contextlib.suppress(ValueError, OSError):  # not the main thread: Python's own handling
            previous_handlers[signum] = signal.signal(signum, state.on_signal)
    try:
        try:
            yield Callback()
        except KeyboardInterrupt:
            state.deferred_signals = max(state.deferred_signals, 1)
        finally:
            state.signals_raise = False  # from here on a signal only waits for the save to finish
            kept = state.write_at_the_end()
            if restore_best and state.best_weights is not None:
                model.set_weights(state.best_weights)
    finally:
        for signum, handler in previous_handlers.items():
            signal.signal(signum, handler)

    if state.deferred_signals:
        resume = " Run the script again to resume." if state.resumable else ""
        interrupted(f"\nTraining interrupted after {state.epochs_done} epochs: {kept}.{resume}")
    print(f"Trained {state.epochs_done} epochs: {kept}.")

