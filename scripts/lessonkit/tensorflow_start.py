"""Starting TensorFlow for a lesson: the lesson's own `import tensorflow as tf`, made quiet.

`import lessonkit`, the lesson's first import, puts `QuietStart` before Python's own importers.
When the lesson then imports TensorFlow, that one import runs with Keras on TensorFlow whatever
KERAS_BACKEND or ~/.keras/keras.json say (the lessons are TensorFlow's), without TensorFlow's
C++ start-up chatter, and, in a process that is the lesson's own, without importing the packages
Keras only offers extras for (a letter lesson reaches its prompt more than a second sooner).
Then it is gone. In a notebook kernel nothing stays changed: the
environment is put back, no package is hidden.
"""
import contextlib
import importlib.abc
import importlib.util
import os
import re
import subprocess
import sys

from lessonkit.commands import pip_command

# Packages that Keras imports when installed, only to offer what no letter lesson uses:
# scikit-learn wrappers (scikit-learn brings SciPy), pandas DataFrames as `fit` input, IPython
# for showing saved files in a notebook. Keras keeps their absence (`sklearn = None`), so they
# are hidden only in a process that is the lesson's own, and only where the lesson itself has
# not imported them first (the stock lessons import pandas and scikit-learn at their top).
OPTIONAL_AT_IMPORT = ("sklearn", "scipy", "pandas", "IPython")


# Whichever of them a lesson imports first brings TensorFlow in.
FIRST_IMPORTS = ("tensorflow", "keras")


def install(own_process):
    """Put the quiet start before TensorFlow's import, unless TensorFlow is imported already."""
    if (any(name in sys.modules for name in FIRST_IMPORTS)
            or any(isinstance(f, QuietStart) for f in sys.meta_path)):
        return
    sys.meta_path.insert(0, QuietStart(own_process))


class QuietStart(importlib.abc.MetaPathFinder):
    """Finds `tensorflow` (or `keras`) once, and has it imported the quiet way; then is gone."""

    def __init__(self, own_process):
        self.own_process = own_process

    def find_spec(self, name, path=None, target=None):
        if name not in FIRST_IMPORTS:
            return None
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = QuietLoader(spec.loader, self.own_process)
        return spec


class QuietLoader(importlib.abc.Loader):
    def __init__(self, loader, own_process):
        self.loader, self.own_process = loader, own_process

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        # TensorFlow's C++ log (no GPU found, CPU features, cuInit) only confuses a classroom.
        # It is read after the import too: in the lesson's own process it stays set; a value of
        # the user's own is kept.
        log_level = os.environ.get("TF_CPP_MIN_LOG_LEVEL")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        hidden = optional_packages_hidden() if self.own_process else contextlib.nullcontext()
        try:
            with tensorflow_backend_for_keras(), hidden, start_up_chatter_hidden():
                self.loader.exec_module(module)
        finally:
            if log_level is None and not self.own_process:
                os.environ.pop("TF_CPP_MIN_LOG_LEVEL", None)


def check_keras_backend():
    """One line where Keras was imported before, on another backend (a notebook's JAX)."""
    import keras

    from lessonkit.exits import fail

    if keras.backend.backend() != "tensorflow":
        fail(f"Keras in this Python already runs on {keras.backend.backend()}, and these lessons "
             "need TensorFlow: restart it (the notebook's kernel) and run the lesson first.")


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

    The marks are removed afterwards, so a lesson imports them as usual where it uses them.
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

# The filter ignores Ctrl-C: it is the lesson's to answer (a console sends it to every process
# of the console, a terminal to every process of the group).
FILTER = f"""
import re, signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
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
                                stdout=subprocess.DEVNULL, stderr=stderr,
                                creationflags=getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0))
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


# The packages the lessons import, by the name pip installs them under.
PACKAGES = {"tensorflow": "tensorflow", "keras": "tensorflow", "numpy": "numpy",
            "matplotlib": "matplotlib", "pandas": "pandas", "sklearn": "scikit-learn",
            "h5py": "h5py"}


def cannot_import(error):
    """One line on why a package (TensorFlow above all) cannot be imported, and what to do.

    On Windows the cause is in the system's words, in its language: a DLL not found is most
    often the missing Visual C++ runtime; a DLL whose initialisation failed, most often a
    processor without AVX, which TensorFlow's own builds need (or an old runtime).
    """
    name = (error.name or "").split(".")[0]
    if isinstance(error, ModuleNotFoundError) and name in ("tensorflow", "keras"):
        return (f"TensorFlow is not installed for this Python ({sys.executable}): "
                f"{pip_command(['tensorflow'])}")
    if isinstance(error, ModuleNotFoundError) and name in PACKAGES:
        return (f"{name} is not installed for this Python ({sys.executable}): "
                f"{pip_command([PACKAGES[name]])}")
    if isinstance(error, ModuleNotFoundError):
        return f"Cannot import {name or 'a module'}: {str(error)[:200]}."
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
