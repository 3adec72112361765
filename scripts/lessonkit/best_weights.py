"""The lecture's ModelCheckpoint(save_best_only=True, save_weights_only=True), Keras's subclassed: the best
weights written whole with their record, at most every `interval` seconds (a hundred better epochs cost a
few writes) and as training ends."""
import collections
import math
import os
import sys
import time
import warnings

import keras

from lessonkit import checkpoints, console, files
from lessonkit.exits import stop
from lessonkit.platforms import lesson_globals


class ModelCheckpoint(keras.callbacks.ModelCheckpoint):
    interval = 1.0  # seconds: the most training a run that is stopped can lose

    def __init__(self, filepath, monitor="val_loss", save_best_only=True, save_weights_only=True,
                 mode="auto", **kwargs):
        try:  # checkpoint_to_load has moved aside any checkpoint this run does not resume from
            resumed = checkpoints.read_record(filepath) if os.path.isfile(filepath) else None
        except OSError:
            resumed = None
        if resumed is not None and resumed.monitor == monitor and math.isfinite(resumed.best):
            kwargs.setdefault("initial_value_threshold", resumed.best)
        super().__init__(filepath, monitor=monitor, save_best_only=save_best_only,
                         save_weights_only=save_weights_only, mode=mode, **kwargs)
        self.bar = kwargs.get("initial_value_threshold")
        self.higher = mode == "max" or (mode == "auto" and "acc" in monitor)
        self.epochs_before = resumed.epochs if resumed is not None else 0
        letters, test_days = checkpoints.lesson_data(lesson_globals().get("args"))  # for the by-hand pass
        self.record = checkpoints.Record(lesson=checkpoints.lesson_of(filepath), monitor=monitor,
                                         input_word=letters, test_days=test_days)
        self.plain = False
        # fit(train_db) warns that its default shuffle=True does not shuffle a tf.data dataset:
        # the lessons' one batch needs none. Not said, from here until fit calls set_params.
        warnings.filterwarnings("ignore", message="`shuffle=True` was passed")
        self.quiet_shuffle = warnings.filters[0]

    def set_params(self, params):
        """Keras's bar only where it is drawn right: elsewhere its ProgbarLogger, which reads the
        same params after this callback, is told to be silent, and on_epoch_end prints."""
        if self.quiet_shuffle in warnings.filters:
            warnings.filters.remove(self.quiet_shuffle)
        self.plain = params.get("verbose") in ("auto", 1) and not console.draws_progress_bar()
        if self.plain:
            params["verbose"] = 0
        super().set_params(params)

    def on_train_begin(self, logs=None):
        self.best = self.bar if self.bar is not None else (-math.inf if self.higher else math.inf)
        self.best_epoch = self.best_weights = self.problem = None
        self.epochs_done, self.last_write = 0, time.monotonic()
        if self.params.get("epochs"):
            optimizer = getattr(self.model, "optimizer", None)
            variables = [*self.model.weights, *getattr(optimizer, "variables", [])]
            try:  # a full disk is found now, not after training
                folder = os.path.dirname(self.filepath) or "."
                os.makedirs(folder, exist_ok=True)
                files.check_room(folder, sum(math.prod(v.shape) * 4 for v in variables) + 256 * 1024)
            except OSError as error:
                stop(f"Cannot write {self.filepath} ({files.reason(error)}): free some space, "
                     "or run the script from another folder.")

    def on_epoch_begin(self, epoch, logs=None):
        super().on_epoch_begin(epoch, logs)
        self.epoch_started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.epochs_done, logs = epoch + 1, logs or {}
        line = console.progress_line(epoch, self.params.get("epochs") or 1, logs,
                                     time.perf_counter() - self.epoch_started) if self.plain else None
        if line:
            print(line, flush=True)
        value = logs.get(self.monitor)
        if value is not None and math.isfinite(value) and (value > self.best if self.higher
                                                             else value < self.best):
            self.best, self.best_epoch = float(value), self.epochs_before + epoch + 1
            self.best_weights = self.model.get_weights()
        if self.best_weights is not None and time.monotonic() - self.last_write >= self.interval:
            self.write()

    def write(self):
        current = self.model.get_weights()
        self.model.set_weights(self.best_weights)
        record = checkpoints.Record(**{**self.record.__dict__, "best": self.best, "epoch": self.best_epoch,
                                       "epochs": self.epochs_before + self.epochs_done,
                                       "model": self.model.to_json()})
        try:
            checkpoints.save_checkpoint(self.model, self.filepath, record)
            self.best_weights, self.problem = None, None
        except (OSError, RuntimeError) as error:
            if self.problem is None:
                print(f"Warning: cannot write {self.filepath} now ({files.reason(error)}); "
                      "trying again at the next better epoch.", file=sys.stderr)
            self.problem = error
        finally:
            self.model.set_weights(current)
            self.last_write = time.monotonic()

    def on_train_end(self, logs=None):
        if self.best_weights is not None:
            self.write()
        history = getattr(self.model, "history", None)
        if history is not None:  # --epochs 0: the lesson's curves are empty lists, not missing;
            history.history = collections.defaultdict(list, history.history)
            history.epoch = [self.epochs_before + epoch for epoch in history.epoch]  # as
            # fit(initial_epoch=...) counts them: 100-104 after a 100-epoch checkpoint
        print(self.what_was_kept())

    def what_was_kept(self):
        done = f"Trained {self.epochs_done} epoch{'' if self.epochs_done == 1 else 's'}"
        best = f"best {self.monitor} {self.best:.4f} at epoch {self.best_epoch}"
        last = self.epochs_before + self.epochs_done
        if self.problem is not None:
            return (f"{done}: {best}, but {self.filepath} could not be written "
                    f"({files.reason(self.problem)}): it is not saved.")
        if self.best_epoch is None and self.epochs_done and self.bar is not None:
            return (f"{done}: no epoch beat the best {self.monitor} {self.bar:.4f} of "
                    f"{self.filepath}, which is left as it was.")
        if self.best_epoch is None:
            kept = f"{self.filepath} left as it was" if os.path.exists(self.filepath) else "nothing saved"
            return f"{done}: {kept}."
        goes_on = (f"; the model goes on with the weights of epoch {last}, its last"
                   if self.best_epoch != last else "")
        return f"{done}: {best}, saved to {self.filepath}{goes_on}."
