"""Starting TensorFlow for a lesson: imported only once a script knows it will train.

`--help` and refused flags answer at once because nothing here runs before them. Then:
Keras on TensorFlow whatever KERAS_BACKEND or ~/.keras/keras.json say (the lessons are
TensorFlow's), without TensorFlow's C++ start-up chatter, with one thread per operation, and
with Keras's layer names starting again from `simple_rnn`, as in a fresh process, however
often a notebook runs a lesson.
"""
import contextlib
import os
import re
import subprocess
import sys

from lessonkit.commands import pip_command
from lessonkit.exits import fail

# Packages that Keras (and TensorFlow's legacy Keras) import when installed, only to offer what no
# lesson uses: scikit-learn wrappers (scikit-learn brings SciPy), SciPy sparse matrices and pandas
# DataFrames as `fit` input, IPython for showing saved files in a notebook, matplotlib's pyplot
# for an image gallery. Each of those imports is inside try/except ImportError.
OPTIONAL_AT_IMPORT = ("sklearn", "scipy", "pandas", "IPython", "matplotlib")


def start_tensorflow():
    """TensorFlow and Keras imported and ready for a lesson; returns the `tensorflow` module."""
    # TensorFlow's C++ log (no GPU found, CPU features, cuInit) only confuses a classroom. It is
    # read after the import too, so it stays set; a value of the user's own is kept.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with tensorflow_backend_for_keras(), optional_packages_hidden(), start_up_chatter_hidden():
        try:
            import tensorflow as tf
            import keras
        except ImportError as error:
            fail(cannot_import(error))
    if keras.backend.backend() != "tensorflow":
        fail(f"Keras in this Python already runs on {keras.backend.backend()}, and these lessons "
             "need TensorFlow: restart it (the notebook's kernel) and run the lesson first.")
    with contextlib.suppress(RuntimeError):  # already running with the threads it was given
        # The lessons' matrices are small: splitting one product over cores costs more than it
        # saves (the LSTM and GRU lessons' epochs are much faster with one thread; see README).
        tf.config.threading.set_intra_op_parallelism_threads(1)
    try:
        keras.backend.clear_session(free_memory=False)  # no garbage collection of all TensorFlow loaded
    except TypeError:  # a Keras older than 3.4 has no free_memory
        keras.backend.clear_session()
    return tf


@contextlib.contextmanager
def tensorflow_backend_for_keras():
    """KERAS_BACKEND=tensorflow while Keras is imported; the user's setting is put back after."""
    saved = os.environ.get("KERAS_BACKEND")
    os.environ["KERAS_BACKEND"] = "tensorflow"
    try:
        yield
    finally:
        if saved is None:
            del os.environ["KERAS_BACKEND"]
        else:
            os.environ["KERAS_BACKEND"] = saved


@contextlib.contextmanager
def optional_packages_hidden():
    """The packages in OPTIONAL_AT_IMPORT that are not imported yet are marked as absent.

    Keras then skips what it would offer with them, and a letter lesson reaches its prompt more
    than a second sooner. The marks are removed afterwards, so a lesson imports them as usual
    where it uses them: matplotlib to draw, pandas and scikit-learn in the stock lessons.
    """
    absent = [name for name in OPTIONAL_AT_IMPORT if name not in sys.modules]
    for name in absent:
        sys.modules[name] = None  # `import name` now raises ImportError, which the importer handles
    try:
        yield
    finally:
        for name in absent:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]


# A line of TensorFlow's start-up log that is not an error a student can act on: absl's notice,
# and its info, warning and error lines (no GPU, oneDNN, CPU features, cuInit). Fatal lines
# ("F...") and anything else pass through.
CHATTER = re.compile(r"^(WARNING: All log messages before absl::InitializeLog\(\)|[IWE]\d{4} |"
                     r"To enable the following instructions)")

FILTER = f"""
import re, sys
chatter = re.compile({CHATTER.pattern!r})
for line in sys.stdin.buffer:
    if not chatter.match(line.decode("utf-8", "replace")):
        sys.stderr.buffer.write(line)
        sys.stderr.buffer.flush()
"""


@contextlib.contextmanager
def start_up_chatter_hidden():
    """What TensorFlow's C++ code writes to stderr while it starts passes through a filter.

    The filter is a small process of its own, so that TensorFlow's last words still reach the
    console when it aborts the import (a processor without AVX): a thread in this process would
    die with it before passing them on.
    """
    try:
        sys.stderr.flush()
        stderr = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no stderr to protect (pythonw)
        yield
        return
    try:
        pipe = subprocess.Popen([sys.executable, "-c", FILTER], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=stderr)
    except OSError:  # no second process here: start without the filter
        pipe = None
    try:
        if pipe is not None:
            os.dup2(pipe.stdin.fileno(), 2)
        yield
    finally:
        os.dup2(stderr, 2)
        os.close(stderr)
        if pipe is not None:
            pipe.stdin.close()
            try:  # it ends when its input does; something TensorFlow started may hold that open
                pipe.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pipe.kill()


def cannot_import(error):
    """One line on why TensorFlow (or Keras) cannot be imported, and what to do.

    On Windows the cause is in the system's words, in its language: a DLL not found is most
    often the missing Visual C++ runtime; a DLL whose initialisation failed, most often a
    processor without AVX, which TensorFlow's own builds need (or an old runtime).
    """
    if isinstance(error, ModuleNotFoundError) and error.name in ("tensorflow", "keras"):
        return (f"TensorFlow is not installed for this Python ({sys.executable}): "
                f"{pip_command(['tensorflow'])}")
    cause = import_cause(str(error))
    errors_page = "see https://www.tensorflow.org/install/errors"
    runtime = ("install the latest Microsoft Visual C++ Redistributable "
               "(https://aka.ms/vs/17/release/vc_redist.x64.exe)")
    not_found = ("specified module could not be found", "找不到指定的模块")
    init_failed = ("initialization routine failed", "初始化例程失败",
                   "-1073741795")  # Windows 7's number for an illegal instruction
    if "DLL load failed" not in cause:
        advice = errors_page
    elif any(words in cause for words in not_found):
        advice = f"{runtime}, then {errors_page}"
    elif any(words in cause for words in init_failed):
        advice = (f"this processor most likely lacks AVX, which TensorFlow's builds need: use "
                  f"another computer or Google Colab; if it has AVX, {runtime}, then {errors_page}")
    else:
        advice = (f"{runtime}; if it is installed, the processor may lack AVX, which TensorFlow's "
                  f"builds need; {errors_page}")
    return f"Cannot start TensorFlow ({cause}): {advice}."


def import_cause(message):
    """The line that names the cause in TensorFlow's import error, which begins with a traceback."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    for line in reversed(lines):
        found = re.match(r"^\w*(Error|Exception): (.+)$", line)
        if found:
            return found.group(2)[:200]
    for line in lines:
        if not line.startswith(("Traceback", "File ")):
            return line[:200]
    return "no reason given"
