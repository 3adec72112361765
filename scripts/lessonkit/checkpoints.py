"""The checkpoint (断点续训): checked before training, loaded safely, written whole with its record.

`checkpoint/LESSON.weights.h5` is Keras 3's weights file (Adam's state too), with a `Record` in its
attributes (docs/checkpoints.md): whose it is, the best value and epoch, the epochs trained, the
data and the model it was trained with. The lesson decides, prints the lecture's line and calls
`model.load_weights` itself; `checkpoint_to_load` makes that safe.
"""
import contextlib
import dataclasses
import errno
import hashlib
import json
import math
import os
import stat
import warnings

import numpy as np

from lessonkit import files, platforms
from lessonkit.commands import command_for_user, training_args
from lessonkit.exits import end_abruptly, first_line, stop

SUFFIX = ".weights.h5"
NOT_THE_LESSON = ("name", "trainable", "dtype", "seed", "build_config", "registered_name")


@dataclasses.dataclass(frozen=True)
class Record:
    lesson: str = None
    monitor: str = None
    best: float = math.inf
    epoch: int = None
    data: str = None      # a fingerprint of the windows trained and validated on (stock lessons)
    epochs: int = 0
    model: str = None     # Keras's JSON of the model, for the changed-lesson check and the by-hand pass
    input_word: str = None
    time_steps: int = None


@dataclasses.dataclass
class Run:
    """What the lesson's resume step tells its ModelCheckpoint, keyed by the path."""
    resumed: Record = None
    record: Record = Record()
    learning_rate: float = None  # the lesson's own, which loading the checkpoint overwrites


RUNS = {}


def run_of(checkpoint_save_path):
    return RUNS.get(os.path.normpath(checkpoint_save_path), Run())


def lesson_of(checkpoint_save_path):
    return os.path.basename(checkpoint_save_path)[: -len(SUFFIX)]


def checkpoint_to_load(model, checkpoint_save_path, args, data=None):
    """断点续训: True when this lesson's checkpoint loads into `model` (its optimizer built first,
    so that Adam's state resumes too). It is tried, then undone: the lesson's own `load_weights`
    loads it. A file that cannot be used at all ends the run (status 2); one that does not load
    is kept aside, with one line, and training starts afresh."""
    check_checkpoint(checkpoint_save_path, args)
    run = Run(record=Record(lesson=lesson_of(checkpoint_save_path), model=model.to_json(),
                            data=None if data is None else fingerprint(data),
                            input_word=getattr(args, "input_word", None),
                            time_steps=getattr(args, "time_steps", None)))
    RUNS[os.path.normpath(checkpoint_save_path)] = run
    if not os.path.exists(checkpoint_save_path):
        return False
    if args.fresh:
        print(f"Ignoring {checkpoint_save_path} (--fresh): training from scratch, it will be replaced.")
        return False
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        optimizer.build(model.trainable_variables)
        with contextlib.suppress(TypeError, ValueError, AttributeError):  # a schedule: its own
            run.learning_rate = float(optimizer.learning_rate)
    changes = lesson_changes(checkpoint_save_path, run.record.model)
    if changes:
        record, problem = None, f"the lesson changed since it was trained: {changes}"
    else:
        record, problem = load_checkpoint(model, checkpoint_save_path, trial=True)
    if problem is None:
        run.resumed = record
        return True
    retrain = command_for_user([*training_args(), "--fresh"])
    if args.epochs == 0:
        stop(f"Cannot load {checkpoint_save_path} ({problem}): nothing trained to predict with; "
             f"train with: {retrain}")
    kept = files.kept_path(checkpoint_save_path)
    try:
        os.replace(checkpoint_save_path, kept)
    except OSError as error:
        stop(f"Cannot load {checkpoint_save_path} ({problem}), nor move it aside to keep it "
             f"({files.reason(error)}): move it away yourself, then run again.")
    print(f"Warning: cannot load {checkpoint_save_path} ({problem}); training from scratch, "
          f"and the old file is kept as {kept}.")
    return False


def check_checkpoint(path, args):
    """Before training: the checkpoint's folder and file, --epochs 0 with nothing to predict with,
    every file the run writes; temporary files of killed runs removed."""
    folder = os.path.dirname(path) or "."
    if os.path.islink(folder) and not os.path.exists(folder):
        stop(f"{folder} is a link to {os.readlink(folder)}, which does not exist (a drive not "
             "mounted?): mount it, or remove the link, then run again.")
    if os.path.exists(folder) and not os.path.isdir(folder):
        stop(f"{folder} is a file, but the checkpoint goes into a folder of that name: "
             "move or rename the file, then run again.")
    if os.path.islink(path) and not os.path.exists(path):
        stop(f"{path} is a link to {os.readlink(path)}, which does not exist: remove the link "
             "(or mount its drive), then run again.")
    if os.path.isdir(path):
        stop(f"{path} is a folder, not a weights file: remove or rename it, then run again.")
    if os.path.exists(path) and not stat.S_ISREG(os.stat(path).st_mode):
        stop(f"{path} is not a weights file but a pipe or a device: remove it, then run again.")
    problem = why_unreadable(path) if os.path.exists(path) else None
    if problem == "in use":
        stop(f"{path} is in use by another program (an open notebook, HDFView, h5py): "
             "close it there, then run again; it is left as it is.")
    if problem:
        stop(f"{path} cannot be read ({problem}): make it readable, or move it away, then run again.")
    if args.epochs == 0 and not os.path.exists(path):
        stop(f"Nothing trained to predict with: there is no {path} yet; "
             f"train first with: {command_for_user(training_args())}")
    if args.epochs == 0 and args.fresh:
        stop("Nothing trained to predict with: --fresh ignores the checkpoint and --epochs 0 "
             f"trains nothing; train with: {command_for_user([*training_args(), '--fresh'])}")
    outputs = [f"./{args.name}_weights.txt", f"{args.name}_curves.png", f"{args.name}_prediction.png"]
    files.check_can_write(*([path] if args.epochs else []), *outputs)
    for written in (path, *outputs):
        files.remove_stale_temporaries(written)


def why_unreadable(path, facts=None):
    """None when it opens; 'in use' when another program holds it (HDF5's lock; on Windows, a
    file shared for no reading); else the reason. A damaged file is for loading to say."""
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
        return "Permission denied" if refused else None


def read_record(checkpoint_save_path):
    """The record in a checkpoint's attributes (defaults where it has none); OSError if unreadable."""
    import h5py

    with h5py.File(checkpoint_save_path, "r") as file:
        attrs = dict(file.attrs)
    fields = {}
    for field in dataclasses.fields(Record):
        value = attrs.get(field.name)
        if value is not None:
            fields[field.name] = value.decode() if isinstance(value, bytes) else field.type(value)
    if not math.isfinite(fields.get("best", math.inf)):
        fields["best"] = math.inf
    return Record(**fields)


def load_checkpoint(model, checkpoint_save_path, trial=False):
    """(record, None) when it loaded into the built model, else (None, what is wrong), undone;
    a `trial` load is undone either way."""
    try:
        record = read_record(checkpoint_save_path)
    except OSError:
        return None, "the file is damaged or not a weights file"
    if record.lesson is not None and record.lesson != lesson_of(checkpoint_save_path):
        return None, f"it was written by {record.lesson}, another lesson"
    optimizer_variables = getattr(getattr(model, "optimizer", None), "variables", [])
    weights, state = model.get_weights(), [v.numpy() for v in optimizer_variables]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Keras warns, then raises; our one line is enough
            model.load_weights(checkpoint_save_path)
        problem = None
        if not all(np.isfinite(w).all() for w in model.get_weights()):
            problem = "its weights are not all finite numbers (NaN or infinity)"
    except ValueError:  # Keras: the shapes or layers do not match
        problem = "its weights do not fit this model: written by another one"
    except OSError:
        problem = "the file is damaged or not a weights file"
    except Exception as error:
        problem = first_line(error)
    if problem is None and not trial:
        return record, None
    model.set_weights(weights)  # a failed load can leave some layers, or Adam, half-loaded
    for variable, value in zip(optimizer_variables, state):
        variable.assign(value)
    return (record if problem is None else None), problem


def lesson_changes(checkpoint_save_path, model_json):
    """'' when the checkpoint's recorded model is this one; else what changed, in a few words."""
    try:
        recorded = read_record(checkpoint_save_path)
    except OSError:
        return ""  # damaged: loading it says so
    if recorded.model is None or model_json is None or recorded.lesson not in (
            None, lesson_of(checkpoint_save_path)):
        return ""
    before, now = described(recorded.model), described(model_json)
    if [kind for kind, _, _ in before] != [kind for kind, _, _ in now]:
        return (f"its layers were {', '.join(k for k, _, _ in before)}; "
                f"now {', '.join(k for k, _, _ in now)}")
    kinds, changes = [kind for kind, _, _ in now], []
    for (kind, old, _), (_, new, name) in zip(before, now):
        which = f" in {name}" if kinds.count(kind) > 1 else ""  # which of two SimpleRNN layers
        changes += [f"{kind} {key} {old.get(key)!r} -> {new.get(key)!r}{which}"
                    for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)]
    return "; ".join(changes)[:300]


def described(model_json):
    """[(kind, settings, name)]: each layer's config without what does not change what it
    computes, then the optimizer and the loss."""
    config = json.loads(model_json)
    described = [(layer["class_name"],
                  {key: value for key, value in layer.get("config", {}).items()
                   if key not in NOT_THE_LESSON and not key.endswith("_initializer")},
                  layer.get("config", {}).get("name", "")) for layer in config["config"]["layers"]]
    compiled = config.get("compile_config") or {}
    for what in ("optimizer", "loss"):
        item = compiled.get(what)
        if item is not None:
            described.append((what, {"class": item.get("class_name") if isinstance(item, dict) else item}, what))
    return described


def fingerprint(arrays):
    """A short name for what a model is trained on: the same arrays, the same name."""
    digest = hashlib.sha1()
    for array in arrays if isinstance(arrays, (tuple, list)) else [arrays]:
        array = np.ascontiguousarray(array, dtype="float64")
        digest.update(str(array.shape).encode() + array.tobytes())
    return digest.hexdigest()[:16]


def expected_size(model):
    variables = [*model.weights, *getattr(getattr(model, "optimizer", None), "variables", [])]
    return sum(int(np.prod(v.shape)) * 4 for v in variables) + 256 * 1024


def save_checkpoint(model, checkpoint_save_path, record, keep=False):
    """The weights and `record`, written whole. A full disk is found before HDF5 writes: HDF5 that
    fails to write can crash the process as Python shuts down (exits.end_abruptly)."""
    import h5py

    folder = os.path.dirname(checkpoint_save_path) or "."
    os.makedirs(folder, exist_ok=True)
    files.check_room(folder, expected_size(model))

    def write(path):
        model.save_weights(path)
        with h5py.File(path, "a") as file:
            for key, value in dataclasses.asdict(record).items():
                if value is not None and not (key == "best" and record.monitor is None):
                    file.attrs[key] = value
            file.attrs["lesson"] = record.lesson or lesson_of(checkpoint_save_path)

    try:
        files.write_whole(checkpoint_save_path, write, keep=keep)
    except files.NotReplaced:
        raise
    except (OSError, RuntimeError):
        end_abruptly()
        raise


def check_room_for(model, checkpoint_save_path):
    """Before training: room for the checkpoint, found by writing that many bytes beside it."""
    folder = os.path.dirname(checkpoint_save_path) or "."
    try:
        os.makedirs(folder, exist_ok=True)
        files.check_room(folder, expected_size(model), by_writing=True)
    except OSError as error:
        stop(f"Cannot write {checkpoint_save_path} ({files.reason(error)}): "
             "free some space, or run the script from another folder.")
