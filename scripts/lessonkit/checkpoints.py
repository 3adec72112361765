"""The checkpoint (断点续训): Keras 3's weights file (Adam's state too) with a `Record` in its attributes
(docs/checkpoints.md), checked before training; after `checkpoint_to_load`, a checkpoint still there
is one this run resumes from (any other is moved aside, kept and named)."""
import contextlib
import dataclasses
import errno
import glob
import math
import os
import time
import warnings

import h5py
import numpy as np

from lessonkit import files, model_config
from lessonkit.commands import command_for_user, training_args
from lessonkit.exits import first_line, stop
from lessonkit.platforms import lesson_globals
from lessonkit.prompt import check_word

SUFFIX = ".weights.h5"
# What the course's TensorFlow 2.1 scripts called their checkpoints, where not the lesson's name.
COURSE_CHECKPOINTS = {"rnn_embedding_1pre1": "run_embedding_1pre1", "stock_rnn": "rnn_stock",
                      "stock_lstm": "LSTM_stock", "stock_gru": "stock"}


@dataclasses.dataclass(frozen=True)
class Record:
    lesson: str = None
    monitor: str = None
    best: float = math.inf
    epoch: int = None     # the best's
    epochs: int = 0       # all trained so far
    model: str = None     # Keras's JSON of the model: the changed-lesson check, the by-hand pass
    input_word: str = None  # a letter lesson's letters
    test_days: int = None   # a stock lesson's: len(test_set)


def lesson_of(checkpoint_save_path):
    return os.path.basename(checkpoint_save_path)[: -len(SUFFIX)]


def lesson_data(args):
    """(letters, test days) of the running lesson: a letter lesson's `input_word` (its flags have
    --predict), or a stock lesson's len(test_set); the other None, whatever else a notebook's
    kernel holds from other lessons."""
    lesson = lesson_globals()
    if hasattr(args, "predict"):
        word = lesson.get("input_word")
        return (word if isinstance(word, str) else None), None
    test_set = lesson.get("test_set")
    return None, (len(test_set) if hasattr(test_set, "__len__") else None)


def checkpoint_to_load(model, checkpoint_save_path, args):
    """True when this lesson's checkpoint loads into `model` (tried, then undone: the lesson's own
    `load_weights` loads it); one that does not fit, or --fresh, is moved aside, with one line.
    Before training, the words given with --predict are checked against the lesson's letters."""
    letters, test_days = lesson_data(args)
    for word in (args.predict or []) if letters else []:
        problem = check_word(word, letters, model.input_shape[1])
        if problem:
            stop(f"--predict: {problem}")
    fits = kept_that_fits(checkpoint_save_path, model, test_days)  # weights an earlier run moved aside
    back = fits and f"{fits} was trained with this model: rename it to {checkpoint_save_path} to"
    check_checkpoint(checkpoint_save_path, args, back)
    if not os.path.exists(checkpoint_save_path):
        if back and not args.fresh:
            print(f"({back} resume from it; this run trains from scratch.)")
        return False
    if args.fresh:
        kept = move_aside(checkpoint_save_path, "--fresh")
        print(f"Training from scratch (--fresh); the old {checkpoint_save_path} is kept as {kept}.")
        return False
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        optimizer.build(model.trainable_variables)  # so that Adam's state loads too
    changes = lesson_changes(checkpoint_save_path, model.to_json(), test_days=test_days)
    problem = (f"the lesson changed since it was trained: {changes}" if changes
               else load_checkpoint(model, checkpoint_save_path, trial=True)[1])
    if problem is None:
        return True
    if args.epochs == 0:
        instead = (f"{back} predict with it" if back else
                   f"train with: {command_for_user([*training_args(), '--fresh'])}")
        stop(f"Cannot load {checkpoint_save_path} ({problem}): nothing trained to predict with; {instead}")
    kept = move_aside(checkpoint_save_path, problem)
    print(f"Warning: cannot load {checkpoint_save_path} ({problem}); training from scratch, "
          f"and the old file is kept as {kept}.")
    return False


def kept_that_fits(path, model, test_days=None):
    """The newest file `path` was moved aside to whose record is this very lesson; else None."""
    for file in sorted(glob.glob(glob.escape(path[: -len(SUFFIX)]) + ".kept-*" + SUFFIX), reverse=True):
        with contextlib.suppress(OSError):  # damaged, or written before records held the model: not it
            if read_record(file).model and not lesson_changes(file, model.to_json(), lesson_of(path), test_days):
                return file
    return None


def move_aside(path, problem):
    stem, extension = files.split_extension(path)
    kept = f"{stem}.kept-{time.strftime('%Y%m%d-%H%M%S')}{extension}"  # x.kept-20261201-121500.weights.h5
    try:
        os.replace(path, kept)
    except OSError as error:
        stop(f"Cannot load {path} ({problem}), nor move it aside to keep it ({files.reason(error)}): "
             "move it away yourself, then run again.")
    return kept


def check_checkpoint(path, args, back=None):
    """Before training: every file the run writes can be written, the checkpoint can be read,
    --epochs 0 has something to predict with (`back`: a kept file that has); the course's
    TensorFlow 2.1 checkpoint is said."""
    files.check_can_write(*([path] if args.epochs else []), f"./{args.name}_weights.txt",
                          f"{args.name}_curves.png", f"{args.name}_prediction.png")
    if os.path.exists(path):
        try:
            h5py.File(path, "r").close()
        except OSError as error:  # a damaged file is for loading to say
            text = str(error)
            locked = error.errno in (errno.EAGAIN, errno.EWOULDBLOCK) or "unable to lock file" in text
            if locked or "errno = 11" in text:  # HDF5's lock: another program holds the file
                stop(f"{path} is in use by another program (an open notebook, HDFView, h5py): "
                     "close it there, then run again; it is left as it is.")
            if error.errno == errno.EACCES or "errno = 13" in text:
                stop(f"{path} cannot be read (Permission denied): make it readable, or move it away, "
                     "then run again.")
    lesson, folder = lesson_of(path), os.path.dirname(path) or "."
    course = os.path.join(folder, COURSE_CHECKPOINTS.get(lesson, lesson) + ".ckpt")
    if not os.path.exists(path) and os.path.exists(course + ".index"):
        print(f"({course} is the course's TensorFlow 2.1 checkpoint, which Keras 3 cannot read: "
              f"this lesson trains its own, {path}.)")
    if args.epochs == 0 and not os.path.exists(path):
        stop(f"Nothing trained to predict with: there is no {path}; {back} predict with it." if back else
             f"Nothing trained to predict with: there is no {path} yet; "
             f"train first with: {command_for_user(training_args())}")
    if args.epochs == 0 and args.fresh:
        stop("Nothing trained to predict with: --fresh trains from scratch and --epochs 0 "
             f"trains nothing; train with: {command_for_user([*training_args(), '--fresh'])}")


def read_record(checkpoint_save_path):
    """The record in a checkpoint's attributes (defaults where it has none); OSError if unreadable."""
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


def lesson_changes(checkpoint_save_path, model_json, lesson=None, test_days=None):
    """'' when the checkpoint's recorded model (and a stock lesson's test days) is this one; else
    what changed, in a few words."""
    try:
        recorded = read_record(checkpoint_save_path)
    except OSError:
        return ""  # damaged: loading it says so
    if recorded.model is None or recorded.lesson not in (None, lesson or lesson_of(checkpoint_save_path)):
        return ""
    changes = model_config.changes(recorded.model, model_json)
    if test_days and recorded.test_days and test_days != recorded.test_days:
        changes.append(f"test days {recorded.test_days} -> {test_days}")
    return "; ".join(changes)[:300]


def save_checkpoint(model, checkpoint_save_path, record):
    def write(path):
        model.save_weights(path)
        with h5py.File(path, "a") as file:
            for key, value in dataclasses.asdict(record).items():
                if value is not None and not (key == "best" and record.monitor is None):
                    file.attrs[key] = value

    files.write_whole(checkpoint_save_path, write)
