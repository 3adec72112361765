"""Starting and ending a script: its flags, a console that never fails, TensorFlow, no traceback.

Every lesson script starts here. TensorFlow is imported only by `import_tensorflow`, once a
script knows it will train, so that `--help` and bad flags answer at once.
"""
import argparse
import contextlib
import os
import shlex
import sys

# TensorFlow's C++ start-up messages (no GPU found, and the like) only confuse a classroom.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


# ## Flags

def base_parser(description, epochs):
    """The flags every training script has; its defaults reproduce the lecture."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=non_negative_int, default=epochs, metavar="N",
                        help=f"train for N epochs (default: {epochs}, the lecture's); "
                             "0 only loads the checkpoint and predicts")
    parser.add_argument("--fresh", action="store_true",
                        help="ignore an existing checkpoint and train from scratch (it is replaced)")
    parser.add_argument("--no-show", action="store_true",
                        help="never open a plot window; save the plots as PNG files only")
    return parser


def non_negative_int(text):
    """argparse type: a whole number >= 0."""
    if not (text.isascii() and text.strip().isdigit()):
        raise argparse.ArgumentTypeError(f"{shown(text)} is not a whole number >= 0")
    return int(text)


def positive_int(text):
    """argparse type: a whole number >= 1."""
    if not (text.isascii() and text.strip().isdigit() and int(text) >= 1):
        raise argparse.ArgumentTypeError(f"{shown(text)} is not a whole number >= 1")
    return int(text)


def shown(text, length=40):
    """A user's text quoted for a message, cut to about `length` characters."""
    text = str(text)
    return repr(text if len(text) <= length else text[:length - 3] + "...")


# ## The console and the end of a run

def console_never_fails():
    """Text the console cannot show is escaped, never an error; undecodable input stays readable.

    With an output encoding that has no Chinese (cp1252, ascii, C locale), 断点续训 prints as
    \\u65ad...; bytes typed at a prompt that the input encoding cannot decode reach the prompt's
    checks as escapes, and are refused there like any other bad answer.
    """
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    if sys.stdin is not None and hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="surrogateescape")


def run_main(main):
    """Run a script's main() so that a user never sees a traceback.

    Ctrl-C outside training ends with status 130, a closed pipe quietly, anything unexpected
    with one line and status 1.
    """
    console_never_fails()
    try:
        main()
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:  # the output went to a program that stopped reading (| head)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except Exception as error:  # the last safety net for a classroom: one line, no traceback
        print(f"Error: {type(error).__name__}: {first_line(error, 200)}", file=sys.stderr)
        sys.exit(1)


def stop(message):
    """One line on stderr and exit status 2: the input cannot be used as it is."""
    print(message, file=sys.stderr)
    sys.exit(2)


def first_line(error, length=120):
    """An error's message cut to one short line, or its type where it has no message."""
    lines = str(error).strip().splitlines()
    return lines[0][:length] if lines else type(error).__name__


def how_to_run_again():
    """The command that started this script, training this time: without --epochs N and --fresh.

    What chooses the data (--csv, --synthetic) stays, so the weights trained are the ones wanted.
    """
    words, skip = [], False
    for word in sys.argv[1:]:
        if skip or word == "--fresh" or word.startswith("--epochs="):
            skip = False
            continue
        if word == "--epochs":
            skip = True
            continue
        words.append(word)
    return shlex.join(["python", sys.argv[0], *words])


# ## TensorFlow

# Packages that Keras (and TensorFlow's legacy Keras) import when installed, only to offer what no
# lesson uses: scikit-learn wrappers (scikit-learn brings SciPy), SciPy sparse matrices and pandas
# DataFrames as `fit` input, IPython for showing saved files in a notebook. Each of those imports
# is inside try/except ImportError.
OPTIONAL_AT_IMPORT = ("sklearn", "scipy", "pandas", "IPython")


def import_tensorflow(seed=7):
    """Import TensorFlow (slow, so only once a script knows it will train) and seed everything.

    The packages in OPTIONAL_AT_IMPORT that are not imported yet are marked as absent for the
    length of the import: Keras then skips what it would offer with them, and a letter lesson
    reaches its prompt more than a second sooner. The marks are removed afterwards, so a stock
    lesson imports pandas and scikit-learn as usual where it uses them (it has read its prices
    with pandas before TensorFlow is imported, so Keras sees pandas there as always).

    `keras.utils.set_random_seed` seeds Python, NumPy and TensorFlow; in Keras 3 that is what
    makes `tf.random.set_seed(7)` of the lecture reproducible again.
    """
    absent = [name for name in OPTIONAL_AT_IMPORT if name not in sys.modules]
    for name in absent:
        sys.modules[name] = None  # `import name` now raises ImportError, which the importer handles
    try:
        with c_level_stderr_silenced():  # "could not find cuda drivers" and the like
            import tensorflow as tf
    finally:
        for name in absent:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]
    try:
        # The lessons' matrices are small: splitting one product over cores costs more than it
        # saves (an LSTM epoch of the stock lesson: 3.9 s on 2 cores, 2.1 s on 1 per operation).
        tf.config.threading.set_intra_op_parallelism_threads(1)
    except RuntimeError:
        pass  # TensorFlow is already running with the threads it was given
    tf.keras.utils.set_random_seed(seed)
    return tf


@contextlib.contextmanager
def c_level_stderr_silenced():
    """Send what C++ code writes to stderr to /dev/null; Python errors still surface after."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
