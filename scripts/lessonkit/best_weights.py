"""The lecture's ModelCheckpoint(save_best_only=True, save_weights_only=True), safe in a classroom.

A subclass of Keras's own, taking the same arguments, with what a classroom needs on top:

- a resumed run replaces the checkpoint only with weights better than the ones it holds: the
  checkpoint's best value is Keras's `initial_value_threshold` (where it was reached on the same
  data; a checkpoint trained on other prices, or windows cut another way, is no bar, and one
  line says so);
- a better epoch is kept in memory at once, and written to the disk unless the last write was
  under WRITE_INTERVAL seconds ago: then at the first epoch's end after that, and at the end. A
  run killed outright (SIGKILL, the OOM killer, a closed console window on Windows, a notebook
  kernel restarted, a power cut) loses at most those few seconds of training;
- every write goes to a temporary file beside the checkpoint, is flushed to the disk, then renamed
  over it, with the checkpoint's record (checkpoints.py): the checkpoint is always whole;
- Ctrl-C, SIGTERM, SIGHUP (the terminal closing) and SIGBREAK (Ctrl-Break on Windows) stop
  training at the end of the step Keras is in (`model.stop_training`); the best weights are
  written, a signal that comes while they are written waits until the file is whole, and the run
  ends as an interrupted one (status 130);
- a folder that turns read-only or a disk that fills during training loses nothing: the weights
  go where they can, and one line says where.

When training ends, one line says what was kept: `Trained 100 epochs: best loss 0.0123 at epoch
100, saved to ./checkpoint/x.weights.h5.` The model keeps its last epoch's weights, as Keras's does.
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
    """Keras's ModelCheckpoint for `save_best_only=True, save_weights_only=True`, kept safe."""

    interval = WRITE_INTERVAL

    def __init__(self, filepath, monitor="val_loss", save_best_only=True, save_weights_only=True,
                 **kwargs):
        run = run_of(filepath)
        self.record = run.record
        resumed = run.resumed
        self.other_data = (resumed is not None and resumed.data is not None
                           and resumed.data != self.record.data)
        self.epochs_before = resumed.epochs if resumed is not None else 0
        bar = (resumed.best if resumed is not None and resumed.monitor == monitor
               and math.isfinite(resumed.best) and not self.other_data else None)
        kwargs.setdefault("initial_value_threshold", bar)
        super().__init__(filepath, monitor=monitor, save_best_only=save_best_only,
                         save_weights_only=save_weights_only, **kwargs)
        self.bar, self.path = bar, filepath
        self.best_value = bar if bar is not None else math.inf
        self.best_epoch, self.best_weights, self.improved = None, None, False
        self.resumed_epoch = resumed.epoch if resumed is not None and bar is not None else None
        self.epochs_done, self.on_disk, self.write_problem = 0, True, None
        self.last_write = time.monotonic()
        self.stop_signals, self.writing, self.resumable = 0, False, True
        self.previous_handlers = {}
        self.learning_rate = run.learning_rate

    # ## Training

    def on_train_begin(self, logs=None):
        self.epochs_done, self.stop_signals = 0, 0
        self.last_write = time.monotonic()
        if self.params.get("epochs"):  # a full disk is found now, not after training
            check_room_for(self.model, self.path)
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
        if self.learning_rate is not None and not math.isclose(loaded, self.learning_rate,
                                                               rel_tol=1e-6):
            optimizer.learning_rate.assign(self.learning_rate)
            print(f"(learning rate {self.learning_rate:g}, the lesson's; {self.path} was "
                  f"trained with {loaded:g})")

    def on_epoch_end(self, epoch, logs=None):
        self.epochs_done = epoch + 1
        value = (logs or {}).get(self.monitor)
        if value is not None and self.better(float(value)):
            self.best_value, self.best_epoch = float(value), self.epochs_before + epoch + 1
            self.best, self.improved = float(value), True  # Keras's own attribute, kept true
            self.best_weights = [w.copy() for w in self.model.get_weights()]
            self.on_disk = False
        if not self.on_disk and time.monotonic() - self.last_write >= self.interval:
            self.write_now()

    def better(self, value):
        maximise = self.mode == "max" or (self.mode == "auto" and "acc" in self.monitor)
        if not math.isfinite(self.best_value):
            return math.isfinite(value)
        return value > self.best_value if maximise else value < self.best_value

    def on_signal(self, signum, frame):
        """Stop training at the end of this step, as Keras's `stop_training` does."""
        self.stop_signals += 1
        if self.model is not None:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        self.writing = True  # from here on a signal only waits for the file to be whole
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

    # ## Writing

    def checkpoint_record(self):
        return self.record.__class__(**{
            **self.record.__dict__, "monitor": self.monitor, "best": self.best_value,
            "epoch": self.best_epoch or self.resumed_epoch,
            "epochs": self.epochs_before + self.epochs_done})

    def write_now(self):
        """Write the best weights so far; a failure is said once, and waits for the end."""
        with self.holding_the_best():
            try:
                save_checkpoint(self.model, self.path, self.checkpoint_record())
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

    def write_at_the_end(self):
        """Write what is newer than the file; returns the words that say what was kept."""
        if self.epochs_done and not self.improved and self.bar is not None:
            return (f"no epoch beat the best {self.monitor} {self.bar:.4f} of {self.path}, "
                    "which is left as it was")
        if self.best_weights is None:  # nothing trained, or no finite value of the monitor
            if os.path.exists(self.path):
                return f"{self.path} left as it was"
            self.resumable = False
            return "nothing saved"
        saved = f"best {self.monitor} {self.best_value:.4f} at epoch {self.best_epoch}"
        if self.on_disk and os.path.isfile(self.path):  # (and not removed since)
            return f"{saved}, saved to {self.path}"
        with self.holding_the_best():
            try:
                save_checkpoint(self.model, self.path, self.checkpoint_record(), keep=True)
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
                save_checkpoint(self.model, elsewhere, self.checkpoint_record())
            except (OSError, RuntimeError):
                continue
            return (f"{self.path} could not be written ({problem}), so it is saved to "
                    f"{elsewhere}: copy that file to {self.path} to resume from it")
        return f"it could not be saved anywhere ({problem}): free some space and train again"


def weights_in_use(history):
    """Which weights the model holds after fit, in words: the last epoch's, and the checkpoint's."""
    first, epochs = getattr(history, "first_epoch", 1), len(history.epoch)
    best = getattr(history, "best_epoch", None)
    if epochs == 0:
        held = f"epoch {best}" if best else "the checkpoint's"
        return f"the checkpoint's weights ({held})", f"The model holds the checkpoint's weights ({held})."
    last = first + epochs - 1
    kept = f"; the checkpoint holds epoch {best}'s, the best by validation" if best and best != last else ""
    return f"the weights of epoch {last}", f"The model as epoch {last}, its last, left it{kept}."
