"""The weights on disk: 断点续训 (resume from checkpoint), keeping the best weights, 参数提取 (weight dump).

A checkpoint is `checkpoint/LESSON.weights.h5`, Keras 3's weights file (it also holds Adam's
state), with one addition: the attribute `lesson`, naming the lesson that wrote it, so that a
file written by another lesson is never resumed by mistake. Files without it still load.
"""
import contextlib
import glob
import os
import signal
import sys
import tempfile
import warnings

import numpy as np

from startup import first_line, how_to_run_again, stop

SUFFIX = ".weights.h5"


def lesson_of(checkpoint_save_path):
    """The lesson a checkpoint path belongs to: its file name without .weights.h5."""
    return os.path.basename(checkpoint_save_path)[: -len(SUFFIX)]


def partial_path(checkpoint_save_path, pid):
    """Where a run with process id `pid` writes the checkpoint before renaming it into place."""
    return f"{checkpoint_save_path[: -len(SUFFIX)]}.partial-{pid}{SUFFIX}"


# ## Before training: a place the checkpoint can be written

def prepare_checkpoint_folder(checkpoint_save_path, *other_outputs):
    """Make sure every file the run will write can be written, before anything is trained.

    A checkpoint path that is a folder, a `checkpoint` that is a file, or a folder that cannot be
    written (read-only, full, not ours) ends the script here with one line and status 2. Partial
    checkpoints that killed runs of this lesson left behind are removed.
    """
    folder = os.path.dirname(checkpoint_save_path) or "."
    if os.path.exists(folder) and not os.path.isdir(folder):
        stop(f"{folder} is a file, but the checkpoint goes into a folder of that name: "
             "move or rename the file, then run again.")
    if os.path.isdir(checkpoint_save_path):
        stop(f"{checkpoint_save_path} is a folder, not a weights file: remove or rename it, "
             "then run again.")
    for path in (checkpoint_save_path, *other_outputs):
        problem = cannot_write_in(os.path.dirname(path) or ".")
        if problem:
            stop(f"Cannot write {path} ({problem}): run the script from a folder you can write to.")
    remove_stale_partials(checkpoint_save_path)


def cannot_write_in(folder):
    """None when a file can be created in `folder` (or, if it does not exist yet, in its parent)."""
    while not os.path.isdir(folder):
        folder = os.path.dirname(os.path.abspath(folder))
    try:
        with tempfile.TemporaryFile(dir=folder):
            return None
    except OSError as error:
        return error.strerror or type(error).__name__


def remove_stale_partials(checkpoint_save_path):
    """Remove half-written checkpoints of this lesson whose run is no longer alive."""
    stem = checkpoint_save_path[: -len(SUFFIX)]
    for path in glob.glob(f"{glob.escape(stem)}.partial-*{SUFFIX}"):
        pid = path[len(stem) + len(".partial-"): -len(SUFFIX)]
        if pid.isdigit() and not process_is_alive(int(pid)):
            with contextlib.suppress(OSError):
                os.remove(path)


def process_is_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, under another user
    return True


# ## Resuming

def written_by(checkpoint_save_path):
    """The lesson recorded in a checkpoint, or None for a file written without the record."""
    import h5py

    with h5py.File(checkpoint_save_path, "r") as file:
        record = file.attrs.get("lesson")
    return record.decode() if isinstance(record, bytes) else record


def load_checkpoint(model, checkpoint_save_path):
    """Load a checkpoint into a built model; None when it loaded, else what is wrong, in words.

    A failed load can leave some layers, or the optimizer, half-loaded: it is undone.
    """
    lesson = lesson_of(checkpoint_save_path)
    try:
        record = written_by(checkpoint_save_path)
    except OSError:  # h5py: truncated, or not an HDF5 file at all
        return "the file is damaged or not a weights file"
    if record is not None and record != lesson:
        return f"it was written by {record}, another lesson"
    optimizer = getattr(model, "optimizer", None)  # None before compile, as in the by-hand pass
    optimizer_variables = optimizer.variables if optimizer is not None else []
    initial_weights = model.get_weights()
    initial_optimizer_state = [v.numpy() for v in optimizer_variables]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Keras warns, then raises; our one line is enough
            model.load_weights(checkpoint_save_path)
    except Exception as error:
        model.set_weights(initial_weights)
        for variable, value in zip(optimizer_variables, initial_optimizer_state):
            variable.assign(value)
        return why_not_loaded(error)
    return None


def why_not_loaded(error):
    """What a failed load_weights means, in a student's words."""
    if isinstance(error, ValueError):  # Keras: the shapes or layers do not match
        return "its weights do not fit this model: written by another one"
    if isinstance(error, OSError):  # h5py: truncated, or not an HDF5 file at all
        return "the file is damaged or not a weights file"
    return first_line(error)


def resume_from_checkpoint(model, checkpoint_save_path, fresh=False, epochs=1):
    """断点续训: load the saved weights when there are some; True if loaded.

    The model must be built, and its optimizer too (prepare_fit does it), so that the file's
    optimizer state (Adam's moments) is resumed along with the weights. A file that does not load
    is reported and left to be replaced by this run's best weights. With `epochs` 0 nothing will
    be trained, so a run without usable weights ends here: there would be nothing to predict with.
    """
    train = f"train first with: {how_to_run_again()}"
    if not os.path.exists(checkpoint_save_path):
        if epochs == 0:
            stop(f"Nothing trained to predict with: there is no {checkpoint_save_path} yet; "
                 f"{train}")
        return False
    if fresh:
        if epochs == 0:
            stop("Nothing trained to predict with: --fresh ignores the checkpoint and --epochs 0 "
                 f"trains nothing; train with: {how_to_run_again()} --fresh")
        print(f"Ignoring {checkpoint_save_path} (--fresh): training from scratch, "
              "it will be replaced.")
        return False
    problem = load_checkpoint(model, checkpoint_save_path)
    if problem is None:
        print("-------------load the model-----------------")
        print(f"(resuming from {checkpoint_save_path}: 断点续训)")
        return True
    if epochs == 0:
        stop(f"Cannot load {checkpoint_save_path} ({problem}): nothing trained to predict with; "
             f"{train} --fresh")
    print(f"Warning: cannot load {checkpoint_save_path} ({problem}); training from scratch, "
          "it will be replaced.")
    return False


# ## Saving: the best weights, written once, whole, whatever stops the run

def save_weights_atomically(model, checkpoint_save_path):
    """Write the weights and the lesson's name beside the checkpoint first, then rename.

    A killed run never leaves half a checkpoint; the half-written file is removed on the way out.
    """
    import h5py

    os.makedirs(os.path.dirname(checkpoint_save_path) or ".", exist_ok=True)
    temporary = partial_path(checkpoint_save_path, os.getpid())
    try:
        model.save_weights(temporary)
        with h5py.File(temporary, "a") as file:
            file.attrs["lesson"] = lesson_of(checkpoint_save_path)
        os.replace(temporary, checkpoint_save_path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def best_weights_callback(monitor):
    """A Keras callback that keeps, in memory, the weights of the epoch with the lowest `monitor`."""
    import keras

    class BestWeights(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.best, self.best_epoch, self.best_weights, self.epochs_done = np.inf, None, None, 0

        def on_epoch_end(self, epoch, logs=None):
            self.epochs_done = epoch + 1
            value = (logs or {}).get(monitor)
            if value is not None and value < self.best:
                self.best, self.best_epoch = float(value), epoch + 1
                self.best_weights = [w.copy() for w in self.model.get_weights()]

    return BestWeights()


STOPPING_SIGNALS = [getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                    if hasattr(signal, name)]


@contextlib.contextmanager
def keep_best_weights(model, checkpoint_save_path, monitor="loss", restore_best=True):
    """A callback that keeps the best weights by `monitor`, and writes them once, however training ends.

    Like ModelCheckpoint(save_best_only=True, save_weights_only=True), but the best weights are held
    in memory and written when the `with` block ends: normally, or on Ctrl-C, SIGTERM or SIGHUP
    (the terminal closing), which end training. A signal that comes while the file is being
    written waits until it is whole; the run then ends as an interrupted one does (status 130).
    With `restore_best` the model then holds the best weights, so what is saved, dumped and
    queried is the same; without, it keeps the weights of its last epoch.
    """
    callback = best_weights_callback(monitor)
    state = {"signals": 0, "raise": True}

    def on_signal(signum, frame):
        state["signals"] += 1
        if state["raise"]:  # during training: stop it, as Ctrl-C does
            state["raise"] = False
            raise KeyboardInterrupt

    previous_handlers = {s: signal.signal(s, on_signal) for s in STOPPING_SIGNALS}
    try:
        try:
            yield callback
        except KeyboardInterrupt:
            state["signals"] = max(state["signals"], 1)
        finally:
            state["raise"] = False  # from here on a signal only waits for the save to finish
            if callback.best_weights is not None:
                last_weights = model.get_weights()
                model.set_weights(callback.best_weights)
                save_weights_atomically(model, checkpoint_save_path)
                if not restore_best:
                    model.set_weights(last_weights)
    finally:
        for s, handler in previous_handlers.items():
            signal.signal(s, handler)

    if callback.best_weights is not None:
        saved = (f"best {monitor} {callback.best:.4f} at epoch {callback.best_epoch}, "
                 f"saved to {checkpoint_save_path}")
    elif os.path.exists(checkpoint_save_path):
        saved = f"{checkpoint_save_path} left as it was"
    else:
        saved = "nothing saved"
    if state["signals"]:
        print(f"\nTraining interrupted after {callback.epochs_done} epochs: {saved}. "
              "Run the script again to resume.", file=sys.stderr)
        sys.exit(130)
    print(f"Trained {callback.epochs_done} epochs: {saved}.")


# ## 参数提取 (weight dump)

def dump_weights(model, path):
    """Write every trainable variable: its full path in the model, its shape and all its values."""
    with np.printoptions(threshold=sys.maxsize), open(path, "w", encoding="utf-8") as file:
        for v in model.trainable_variables:
            file.write(f"{v.path}\n{tuple(v.shape)}\n{v.numpy()}\n")
    print(f"Weights written to {path}")
