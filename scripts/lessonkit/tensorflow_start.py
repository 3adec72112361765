"""The lesson's own `import tensorflow as tf`, made quiet.

`import lessonkit` puts `QuietStart` before Python's importers. The lesson's first import of
TensorFlow (or Keras) then runs on TensorFlow whatever KERAS_BACKEND says, without TensorFlow's
C++ start-up log and, in the lesson's own process, without the packages Keras only imports to
offer extras (a letter lesson reaches its prompt a second sooner). Then it is gone; in a notebook
kernel nothing stays changed: the environment is put back, no package is hidden.
"""
import contextlib
import importlib.abc
import importlib.util
import os
import re
import subprocess
import sys

from lessonkit.commands import pip_command

# Keras keeps their absence (`sklearn = None`): hidden only in the lesson's own process, and
# only where the lesson has not imported them first (the stock lessons import pandas and sklearn).
OPTIONAL_AT_IMPORT = ("sklearn", "scipy", "pandas", "IPython")
FIRST_IMPORTS = ("tensorflow", "keras")


def install(own_process):
    if not (any(name in sys.modules for name in FIRST_IMPORTS)
            or any(isinstance(f, QuietStart) for f in sys.meta_path)):
        sys.meta_path.insert(0, QuietStart(own_process))


class QuietStart(importlib.abc.MetaPathFinder):
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
        saved = {name: os.environ.get(name) for name in ("TF_CPP_MIN_LOG_LEVEL", "KERAS_BACKEND")}
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # a value of the user's own is kept
        os.environ["KERAS_BACKEND"] = "tensorflow"
        absent = [name for name in OPTIONAL_AT_IMPORT if name not in sys.modules] if self.own_process else []
        for name in absent:
            sys.modules[name] = None  # `import name` raises ImportError, which Keras handles
        try:
            with start_up_chatter_hidden():
                self.loader.exec_module(module)
        finally:
            for name in absent:
                if sys.modules.get(name, False) is None:
                    del sys.modules[name]
            for name, value in saved.items():  # TensorFlow reads the log level later too: in
                if name == "TF_CPP_MIN_LOG_LEVEL" and self.own_process:  # the lesson's process it stays
                    continue
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def check_keras_backend():
    """One line where Keras was imported before on another backend (a notebook's JAX)."""
    import keras

    from lessonkit.exits import fail

    if keras.backend.backend() != "tensorflow":
        fail(f"Keras in this Python already runs on {keras.backend.backend()}, and these lessons "
             "need TensorFlow: restart it (the notebook's kernel) and run the lesson first.")


# TensorFlow's start-up lines a student cannot act on: absl's notice, info, warning and error
# lines (no GPU, oneDNN, CPU features, cuInit). Fatal lines and anything else pass through.
CHATTER = re.compile(r"^(WARNING: All log messages before absl::InitializeLog\(\)|[IWE]\d{4} |"
                     r"To enable the following instructions)")
# Ctrl-C is the lesson's to answer: the filter starts in a session (POSIX) or process group
# (Windows) of its own, which a terminal's Ctrl-C does not reach, and ignores it all the same.
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
    """Stderr through a filter while TensorFlow starts: a process of its own, so that the last
    words of an aborted import (a processor without AVX) still reach the console."""
    try:
        sys.stderr.flush()
        stderr = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no stderr (pythonw)
        yield
        return
    try:
        pipe = subprocess.Popen([sys.executable, "-c", FILTER], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=stderr,
                                start_new_session=True,
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
            try:  # it ends with its input, which something TensorFlow started may hold open
                pipe.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pipe.kill()


PACKAGES = {"tensorflow": "tensorflow", "keras": "tensorflow", "numpy": "numpy",
            "matplotlib": "matplotlib", "pandas": "pandas", "sklearn": "scikit-learn", "h5py": "h5py"}
RUNTIME = ("install the latest Microsoft Visual C++ Redistributable "
           "(https://aka.ms/vs/17/release/vc_redist.x64.exe)")
ERRORS_PAGE = "see https://www.tensorflow.org/install/errors"


def cannot_import(error):
    """One line on why a package cannot be imported, and what to do. On Windows: a DLL not found
    is most often the Visual C++ runtime; one whose initialisation failed, a processor without AVX."""
    name = (error.name or "").split(".")[0]
    if isinstance(error, ModuleNotFoundError):
        if name in PACKAGES:
            which = "TensorFlow" if PACKAGES[name] == "tensorflow" else name
            return f"{which} is not installed for this Python ({sys.executable}): {pip_command([PACKAGES[name]])}"
        return f"Cannot import {name or 'a module'}: {str(error)[:200]}."
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    found = [m.group(2) for m in (re.match(r"^\w*(Error|Exception): (.+)$", line) for line in lines) if m]
    cause = (found[-1] if found else next((line for line in lines
                                           if not line.startswith(("Traceback", "File "))),
                                          "no reason given"))[:200]
    if "DLL load failed" not in cause:
        advice = ERRORS_PAGE
    elif any(words in cause for words in ("specified module could not be found", "找不到指定的模块")):
        advice = f"{RUNTIME}, then {ERRORS_PAGE}"
    elif any(words in cause for words in ("initialization routine failed", "初始化例程失败",
                                          "-1073741795")):  # Windows 7's illegal instruction
        advice = (f"this processor most likely lacks AVX, which TensorFlow's builds need: use "
                  f"another computer or Google Colab; if it has AVX, {RUNTIME}, then {ERRORS_PAGE}")
    else:
        advice = (f"{RUNTIME}; if it is installed, the processor may lack AVX, which TensorFlow's "
                  f"builds need; {ERRORS_PAGE}")
    return f"Cannot start TensorFlow ({cause}): {advice}."
