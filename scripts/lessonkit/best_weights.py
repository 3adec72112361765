"""The lecture's ModelCheckpoint(save_best_only=True, save_weights_only=True), safe in a classroom.

A subclass of Keras's, with its arguments. A resumed run's bar is the checkpoint's best
(`initial_value_threshold`, unless it was trained on other data); a better epoch is kept in
memory at once and written whole at most every WRITE_INTERVAL seconds and at the end, so a hard
kill loses seconds; Ctrl-C and termination signals stop training at the end of the step, and the
best weights are written before the run ends (status 130); a disk that fills or a folder that
turns read-only loses nothing: the weights go where they can, and one line says where.
"""
import collections
import contextlib
import math
import os
import signal
import sys
import tempfile
import time

import keras
import numpy as np

from lessonkit import files
from lessonkit.checkpoints import check_room_for, run_of, save_checkpoint
from lessonkit.exits import interrupted

WRITE_INTERVAL = 3.0  # seconds: the most training a run killed outright can lose
STOPPING_SIGNALS = [getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK")
                    if hasattr(signal, name)]


class ModelCheckpoint(keras.callbacks.ModelCheckpoint):
    interval = WRITE_INTERVAL

    def __init__(self, filepath, monitor="val_loss", save_best_only=True, save_weights_only=True,
                 **kwargs):
        run = run_of(filepath)
        resumed, self.record, self.learning_rate = run.resumed, run.record, run.learning_rate
        self.other_data = resumed is not None and resumed.data not in (None, self.record.data)
        bar = None
        if (resumed is not None and resumed.monitor == monitor and math.isfinite(resumed.best)
                and not self.other_data):
            bar = resumed.best
        kwargs.setdefault("initial_value_threshold", bar)
        super().__init__(filepath, monitor=monitor, save_best_only=save_best_only,
                         save_weights_only=save_weights_only, **kwargs)
        self.bar, self.path = bar, filepath
        self.best_value = math.inf if bar is None else bar
        self.epochs_before = resumed.epochs if resumed is not None else 0
        self.resumed_epoch = resumed.epoch if bar is not None else None
        self.best_epoch, self.best_weights, self.improved, self.on_disk = None, None, False, True
        self.epochs_done, self.stop_signals, self.write_problem = 0, 0, None
        self.previous_handlers, self.resumable, self.last_write = {}, True, time.monotonic()

    def on_train_begin(self, logs=None):
        self.epochs_done, self.stop_signals, self.last_write = 0, 0, time.monotonic()
        if self.params.get("epochs"):
            check_room_for(self.model, self.path)  # a full disk is found now, not after training
            self.lessons_learning_rate()
            if self.other_data:
                print(f"({self.path} was trained on other prices or another recipe (window, "
                      f"test days, scaling): its best {self.monitor} "
                      "is no bar for these, and this run's best replaces it.)")
        for signum in STOPPING_SIGNALS:
            with contextlib.suppress(ValueError, OSError):  # not the main thread: Python's own
                self.previous_handlers[signum] = signal.signal(signum, self.on_signal)

    def lessons_learning_rate(self):
        """The learning rate the lesson's code gives, not the one loading the checkpoint set."""
        optimizer = getattr(self.model, "optimizer", None)
        try:
            loaded = float(optimizer.learning_rate)
        except (TypeError, ValueError, AttributeError):
            return
        if self.learning_rate is not None and not math.isclose(loaded, self.learning_rate, rel_tol=1e-6):
            optimizer.learning_rate.assign(self.learning_rate)
            print(f"(learning rate {self.learning_rate:g}, the lesson's; {self.path} was "
                  f"trained with {loaded:g})")

    def on_epoch_end(self, epoch, logs=None):
        self.epochs_done = epoch + 1
        value = (logs or {}).get(self.monitor)
        if value is not None and self.better(float(value)):
            self.best_value, self.best_epoch = float(value), self.epochs_before + epoch + 1
            self.best, self.improved, self.on_disk = float(value), True, False  # Keras's `best` too
            self.best_weights = [w.copy() for w in self.model.get_weights()]
        if not self.on_disk and time.monotonic() - self.last_write >= self.interval:
            self.write_now()

    def better(self, value):
        if not math.isfinite(self.best_value):
            return math.isfinite(value)
        if self.mode == "max" or (self.mode == "auto" and "acc" in self.monitor):
            return value > self.best_value
        return value < self.best_value

    def on_signal(self, signum, frame):
        self.stop_signals += 1
        if self.model is not None:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        history = getattr(self.model, "history", None)  # what fit returns: for the pictures
        if history is not None:
            if not history.epoch:  # --epochs 0: the lesson's curves are empty, not missing
                history.history = collections.defaultdict(list, history.history)
            history.first_epoch = self.epochs_before + 1
            history.best_epoch = self.best_epoch or self.resumed_epoch
        try:
            kept = self.write_at_the_end()
        finally:
            for signum, handler in self.previous_handlers.items():
                signal.signal(signum, handler)
            self.previous_handlers.clear()
        if self.stop_signals:
            resume = " Run the script again to resume." if self.resumable else ""
            interrupted(f"\nTraining interrupted after {self.epochs_done} epochs: {kept}.{resume}")
        print(f"Trained {self.epochs_done} epochs: {kept}.")

    def checkpoint_record(self):
        return self.record.__class__(**{
            **self.record.__dict__, "monitor": self.monitor, "best": self.best_value,
            "epoch": self.best_epoch or self.resumed_epoch, "epochs": self.epochs_before + self.epochs_done})

    def write_now(self):
        """The best weights so far; a failure is said once, and the weights wait for the end."""
        with self.holding_the_best():
            try:
                save_checkpoint(self.model, self.path, self.checkpoint_record())
                self.on_disk, self.write_problem = True, None
            except (OSError, RuntimeError) as error:
                if self.write_problem is None:
                    print(f"Warning: cannot write {self.path} now ({files.reason(error)}); "
                          "the best weights are kept in memory until training ends.", file=sys.stderr)
                self.write_problem = error
            self.last_write = time.monotonic()

    @contextlib.contextmanager
    def holding_the_best(self):
        """The model holds the best weights while they are written, then its own again."""
        current = self.model.get_weights()
        swap = not all(np.array_equal(a, b) for a, b in zip(current, self.best_weights))
        if swap:
            self.model.set_weights(self.best_weights)
        try:
            yield
        finally:
            if swap:
                self.model.set_weights(current)

    def write_at_the_end(self):
        """What is newer than the file, written; returns the words that say what was kept."""
        if self.epochs_done and not self.improved and self.bar is not None:
            return (f"no epoch beat the best {self.monitor} {self.bar:.4f} of {self.path}, "
                    "which is left as it was")
        if self.best_weights is None:  # nothing trained, or no finite value of the monitor
            if os.path.exists(self.path):
                return f"{self.path} left as it was"
            self.resumable = False
            return "nothing saved"
        saved = f"best {self.monitor} {self.best_value:.4f} at epoch {self.best_epoch}"
        if self.on_disk and os.path.isfile(self.path):
            return f"{saved}, saved to {self.path}"
        self.resumable = False
        with self.holding_the_best():
            try:
                save_checkpoint(self.model, self.path, self.checkpoint_record(), keep=True)
                self.resumable = True
                return f"{saved}, saved to {self.path}"
            except files.NotReplaced as error:
                return (f"{saved}; it could not replace {self.path} ({files.reason(error.cause)}), "
                        f"so it is kept in {error.kept_path}: rename that file to "
                        f"{os.path.basename(self.path)} to resume from it")
            except (OSError, RuntimeError) as error:
                return f"{saved}; {self.saved_elsewhere(error)}"

    def saved_elsewhere(self, error):
        for folder in (tempfile.gettempdir(), os.path.expanduser("~")):
            elsewhere = os.path.join(folder, os.path.basename(self.path))
            try:
                save_checkpoint(self.model, elsewhere, self.checkpoint_record())
            except (OSError, RuntimeError):
                continue
            return (f"{self.path} could not be written ({files.reason(error)}), so it is saved to "
                    f"{elsewhere}: copy that file to {self.path} to resume from it")
        return f"it could not be saved anywhere ({files.reason(error)}): free some space and train again"


def weights_in_use(history):
    """(for the picture's title, the line after the evaluation): which weights the model holds."""
    first, epochs = getattr(history, "first_epoch", 1), len(history.epoch)
    best = getattr(history, "best_epoch", None)
    if epochs == 0:
        held = f"epoch {best}" if best else "the checkpoint's"
        return f"the checkpoint's weights ({held})", f"The model holds the checkpoint's weights ({held})."
    last = first + epochs - 1
    kept = f"; the checkpoint holds epoch {best}'s, the best by validation" if best and best != last else ""
    return f"the weights of epoch {last}", f"The model as epoch {last}, its last, left it{kept}."
