"""The checkpoint file: checked before training, resumed from (断点续训), written whole.

A checkpoint is `checkpoint/LESSON.weights.h5`, Keras 3's weights file (it also holds Adam's
state), with a record in its attributes: `lesson`, the lesson that wrote it, so that a file of
another lesson is never resumed by mistake; `monitor`, `best` and `epoch`, the quantity the best
weights were chosen by, its value and the epoch that reached it, so that a later run replaces
them only with better ones; `epochs`, how many epochs the weights have been trained in all;
`data`, what they were trained on where that can change (the stock lessons' prices), since a
value on other data is no bar; `model`, the model's layers (Keras's JSON), and for the letter
lessons `input_word` and `time_steps`, so that the by-hand pass can rebuild what was trained.
Files without the record still load.

The lesson decides, as the lecture does, with `if lessonkit.checkpoint_to_load(...)`, prints
the lecture's line and calls `model.load_weights` itself; what makes that safe is here.
"""
import contextlib
import dataclasses
import errno
import math
import os
import stat
import warnings

import numpy as np

from lessonkit import files, platforms
from lessonkit.commands import command_for_user, training_args
from lessonkit.exits import end_abruptly, first_line, stop

SUFFIX = ".weights.h5"


@dataclasses.dataclass(frozen=True)
class Record:
    """What a checkpoint says about itself."""
    lesson: str = None
    monitor: str = None
    best: float = math.inf
    epoch: int = None
    data: str = None
    epochs: int = 0
    model: str = None
    input_word: str = None
    time_steps: int = None


TEXT_FIELDS = ("lesson", "monitor", "data", "model", "input_word")
NUMBER_FIELDS = ("best", "epoch", "epochs", "time_steps")


@dataclasses.dataclass
class Run:
    """What the lesson's resume step knows that its ModelCheckpoint needs: keyed by the path."""
    resumed: Record = None      # the checkpoint the model was resumed from, if it was
    record: Record = Record()   # what this run's checkpoint will say about the lesson
    learning_rate: float = None  # the lesson's own, which loading the checkpoint overwrites


RUNS = {}


def run_of(checkpoint_save_path):
    return RUNS.get(os.path.normpath(checkpoint_save_path), Run())


def lesson_of(checkpoint_save_path):
    """The lesson a checkpoint path belongs to: its file name without .weights.h5."""
    return os.path.basename(checkpoint_save_path)[: -len(SUFFIX)]


# ## Before training: the checkpoint can be read and written, and there is something to predict with

def outputs_of(lesson):
    """The files a lesson writes beside the checkpoint, by its name."""
    return [f"./{lesson}_weights.txt", f"{lesson}_curves.png", f"{lesson}_prediction.png"]


def check_checkpoint(checkpoint_save_path, epochs, fresh, *outputs):
    """End the run here, with one line and status 2, where the checkpoint or an output cannot be used.

    Checked before TensorFlow starts: the checkpoint's folder and path, a file that another
    program holds open, `--epochs 0` with nothing trained to predict with, and that every file
    the run writes can be written. Temporary files that killed runs left are removed.
    """
    folder = os.path.dirname(checkpoint_save_path) or "."
    if os.path.islink(folder) and not os.path.exists(folder):
        stop(f"{folder} is a link to {os.readlink(folder)}, which does not exist (a drive not "
             "mounted?): mount it, or remove the link, then run again.")
    if os.path.exists(folder) and not os.path.isdir(folder):
        stop(f"{folder} is a file, but the checkpoint goes into a folder of that name: "
             "move or rename the file, then run again.")
    problem = why_unusable(checkpoint_save_path)
    if problem:
        stop(problem)
    exists = os.path.exists(checkpoint_save_path)
    if epochs == 0 and not exists:
        stop(f"Nothing trained to predict with: there is no {checkpoint_save_path} yet; "
             f"train first with: {command_for_user(training_args())}")
    if epochs == 0 and fresh:
        stop("Nothing trained to predict with: --fresh ignores the checkpoint and --epochs 0 "
             f"trains nothing; train with: {command_for_user([*training_args(), '--fresh'])}")
    files.check_can_write(*([checkpoint_save_path] if epochs else []), *outputs)
    for path in (checkpoint_save_path, *outputs):
        files.remove_stale_temporaries(path)


def why_unusable(checkpoint_save_path):
    """None, or one line on why the checkpoint path can be neither read nor replaced."""
    path = checkpoint_save_path
    if os.path.islink(path) and not os.path.exists(path):
        return (f"{path} is a link to {os.readlink(path)}, which does not exist: remove the link "
                "(or mount its drive), then run again.")
    if not os.path.exists(path):
        return None
    if os.path.isdir(path):
        return f"{path} is a folder, not a weights file: remove or rename it, then run again."
    if not stat.S_ISREG(os.stat(path).st_mode):
        return (f"{path} is not a weights file but a pipe or a device: remove it, "
                "then run again.")
    problem = why_unreadable(path)
    if problem == "in use":
        return (f"{path} is in use by another program (an open notebook, HDFView, h5py): "
                "close it there, then run again; it is left as it is.")
    if problem:
        return f"{path} cannot be read ({problem}): make it readable, or move it away, then run again."
    return None


def why_unreadable(path, facts=None):
    """None when the checkpoint can be opened; 'in use' when another program holds it open for
    writing (HDF5's lock; on Windows, a file shared for no reading); else the reason in words."""
    import h5py

    try:
        with h5py.File(path, "r"):
            return None
    except OSError as error:
        text = str(error)
        locked = (error.errno in (errno.EAGAIN, errno.EWOULDBLOCK) or "unable to lock file" in text
                  or "errno = 11" in text)
        refused = error.errno == errno.EACCES or "errno = 13" in text
        if locked or (refused and (facts or platforms.current()).os == "windows"):
            return "in use"
        if refused:
            return "Permission denied"
        return None  # damaged, or not HDF5 at all: loading it says so, and it is replaced


# ## Resuming

def read_record(checkpoint_save_path):
    """The record in a checkpoint's attributes (empty where it has none); OSError if unreadable."""
    import h5py

    with h5py.File(checkpoint_save_path, "r") as file:
        attrs = {key: file.attrs[key] for key in (*TEXT_FIELDS, *NUMBER_FIELDS) if key in file.attrs}
    fields = {key: value.decode() if isinstance(value, bytes) else str(value)
              for key, value in attrs.items() if key in TEXT_FIELDS}
    best = float(attrs["best"]) if "best" in attrs else math.inf
    fields["best"] = best if math.isfinite(best) else math.inf
    fields.update({key: int(attrs[key]) for key in ("epoch", "epochs", "time_steps") if key in attrs})
    return Record(**fields)


def load_checkpoint(model, checkpoint_save_path):
    """Load a checkpoint into a built model: (record, None) when it loaded, else (None, what is wrong).

    A failed load can leave some layers, or the optimizer, half-loaded: it is undone.
    """
    lesson = lesson_of(checkpoint_save_path)
    try:
        record = read_record(checkpoint_save_path)
    except OSError:  # h5py: truncated, or not an HDF5 file at all
        return None, "the file is damaged or not a weights file"
    if record.lesson is not None and record.lesson != lesson:
        return None, f"it was written by {record.lesson}, another lesson"
    optimizer = getattr(model, "optimizer", None)  # None before compile, as in the by-hand pass
    optimizer_variables = optimizer.variables if optimizer is not None else []
    initial_weights = model.get_weights()
    initial_optimizer_state = [v.numpy() for v in optimizer_variables]

    def undo():
        model.set_weights(initial_weights)
        for variable, value in zip(optimizer_variables, initial_optimizer_state):
            variable.assign(value)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Keras warns, then raises; our one line is enough
            model.load_weights(checkpoint_save_path)
    except Exception as error:
        undo()
        return None, why_not_loaded(error)
    if not all(np.isfinite(w).all() for w in model.get_weights()):
        undo()
        return None, "its weights are not all finite numbers (NaN or infinity)"
    return record, None


def why_not_loaded(error):
    """What a failed load_weights means, in a student's words."""
    if isinstance(error, ValueError):  # Keras: the shapes or layers do not match
        return "its weights do not fit this model: written by another one"
    if isinstance(error, OSError):  # h5py: truncated, or not an HDF5 file at all
        return "the file is damaged or not a weights file"
    return first_line(error)


def checkpoint_to_load(model, checkpoint_save_path, args, data=None):
    """断点续训: True when there is a checkpoint for this lesson that loads into `model`.

    Before that, the run ends with one line and status 2 where the checkpoint or the lesson's
    outputs cannot be used (see check_checkpoint). A file that does not load is said in one
    line, and this run's best weights replace it; with --epochs 0 nothing would be trained to
    replace it, so the run ends there. `data` names what the model is trained on where that
    can change (the stock lessons' windows: the prices and the recipe that cut them), kept as a
    fingerprint: a checkpoint of other data is no bar for this run.
    The model's optimizer is built here, so that `model.load_weights` resumes Adam's state too.
    """
    check_checkpoint(checkpoint_save_path, args.epochs, args.fresh, *outputs_of(args.name))
    if data is not None:
        data = fingerprint(data)
    run = Run(record=Record(lesson=lesson_of(checkpoint_save_path), data=data,
                            model=model.to_json(), input_word=getattr(args, "input_word", None),
                            time_steps=getattr(args, "time_steps", None)))
    RUNS[os.path.normpath(checkpoint_save_path)] = run
    if not os.path.exists(checkpoint_save_path):
        return False
    if args.fresh:
        print(f"Ignoring {checkpoint_save_path} (--fresh): training from scratch, "
              "it will be replaced.")
        return False
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        optimizer.build(model.trainable_variables)
        with contextlib.suppress(TypeError, ValueError, AttributeError):  # a schedule: its own
            run.learning_rate = float(optimizer.learning_rate)
    changes = lesson_changes(checkpoint_save_path, run.record.model)
    if changes:
        problem = f"the lesson changed since it was trained: {changes}"
        record = None
    else:
        record, problem = load_checkpoint(model, checkpoint_save_path)
    if problem is None:
        run.resumed = record
        return True
    if args.epochs == 0:
        stop(f"Cannot load {checkpoint_save_path} ({problem}): nothing trained to predict with; "
             f"train with: {command_for_user([*training_args(), '--fresh'])}")
    kept = files.kept_path(checkpoint_save_path)
    try:
        os.replace(checkpoint_save_path, kept)
    except OSError as error:
        stop(f"Cannot load {checkpoint_save_path} ({problem}), nor move it aside to keep it "
             f"({files.reason(error)}): move it away yourself, then run again.")
    print(f"Warning: cannot load {checkpoint_save_path} ({problem}); training from scratch, "
          f"and the old file is kept as {kept}.")
    return False


# ## Has the lesson changed since its checkpoint was trained?

# What a layer's config says that does not change what it computes.
NOT_THE_LESSON = ("name", "trainable", "dtype", "seed", "build_config", "registered_name")


def lesson_changes(checkpoint_save_path, model_json):
    """'' when the checkpoint's recorded model is this one; else what changed, in a few words."""
    try:
        record = read_record(checkpoint_save_path)
    except OSError:
        return ""  # damaged: loading it says so
    if record.lesson is not None and record.lesson != lesson_of(checkpoint_save_path):
        return ""  # another lesson's: loading it says so
    recorded = record.model
    if recorded is None or model_json is None:
        return ""  # a checkpoint written before models were recorded
    before, now = described(recorded), described(model_json)
    if [kind for kind, _ in before] != [kind for kind, _ in now]:
        return f"its layers were {', '.join(k for k, _ in before)}; now {', '.join(k for k, _ in now)}"
    changes, kinds = [], [kind for kind, _ in now]
    for (kind, old), (_, new), name in zip(before, now, names(model_json)):
        which = f" in {name}" if kinds.count(kind) > 1 else ""  # which of two SimpleRNN layers
        for key in sorted(set(old) | set(new)):
            if old.get(key) != new.get(key):
                changes.append(f"{kind} {key} {old.get(key)!r} -> {new.get(key)!r}{which}")
    return "; ".join(changes)[:300]


def names(model_json):
    """Keras's name of each layer (simple_rnn, simple_rnn_1, ...), then the optimizer and loss."""
    import json

    return [layer.get("config", {}).get("name", "") for layer
            in json.loads(model_json)["config"]["layers"]] + ["optimizer", "loss"]


def described(model_json):
    """[(what, its settings)]: each layer's config without what does not change what it computes,
    then the optimizer and the loss; what the lesson says, in order."""
    import json

    config = json.loads(model_json)
    described = []
    for layer in config["config"]["layers"]:
        settings = {key: value for key, value in layer.get("config", {}).items()
                    if key not in NOT_THE_LESSON and not key.endswith("_initializer")}
        described.append((layer["class_name"], settings))
    compiled = config.get("compile_config") or {}
    for what in ("optimizer", "loss"):
        item = compiled.get(what)
        if isinstance(item, dict):
            described.append((what, {"class": item.get("class_name")}))
        elif item is not None:
            described.append((what, {"class": item}))
    return described


def fingerprint(arrays):
    """A short name for what a model is trained on: the same arrays, the same name."""
    import hashlib

    digest = hashlib.sha1()
    for array in arrays if isinstance(arrays, (tuple, list)) else [arrays]:
        array = np.ascontiguousarray(array, dtype="float64")
        digest.update(str(array.shape).encode() + array.tobytes())
    return digest.hexdigest()[:16]


# ## Writing

def expected_size(model):
    """About the bytes a checkpoint of `model` takes: its weights, Adam's state, HDF5's own."""
    variables = [*model.weights, *getattr(getattr(model, "optimizer", None), "variables", [])]
    return sum(int(np.prod(v.shape)) * 4 for v in variables) + 256 * 1024


def save_checkpoint(model, checkpoint_save_path, record, keep=False):
    """Write the model's weights and `record`, whole: beside the checkpoint first, then renamed.

    Raises OSError where that fails (files.NotReplaced, with `keep`, where only the rename did).
    A disk without room for it is found before HDF5 starts writing: HDF5 that fails to write
    a file can crash the process when Python shuts down (see exits.end_abruptly).
    """
    import h5py

    folder = os.path.dirname(checkpoint_save_path) or "."
    os.makedirs(folder, exist_ok=True)
    files.check_room(folder, expected_size(model))

    def write(path):
        model.save_weights(path)
        with h5py.File(path, "a") as file:
            file.attrs["lesson"] = record.lesson or lesson_of(checkpoint_save_path)
            for key in (*TEXT_FIELDS[1:], *NUMBER_FIELDS):
                value = getattr(record, key)
                if value is not None and not (key == "best" and record.monitor is None):
                    file.attrs[key] = value

    try:
        files.write_whole(checkpoint_save_path, write, keep=keep)
    except files.NotReplaced:
        raise
    except (OSError, RuntimeError):
        end_abruptly()  # HDF5 may be left holding a file it could not finish
        raise


def check_room_for(model, checkpoint_save_path):
    """Before training: the checkpoint's folder has room for a file of the checkpoint's size.

    Found by writing that many bytes beside it (then removed), so that a full disk or a used-up
    quota ends the run here, with one line and status 2, rather than after training.
    """
    folder = os.path.dirname(checkpoint_save_path) or "."
    try:
        os.makedirs(folder, exist_ok=True)
        files.check_room(folder, expected_size(model), by_writing=True)
    except OSError as error:
        stop(f"Cannot write {checkpoint_save_path} ({files.reason(error)}): "
             "free some space, or run the script from another folder.")
