"""The lesson's TensorFlow, started before the lesson's own `import tensorflow as tf`: on TensorFlow whatever
KERAS_BACKEND says, without its start-up log; in a notebook kernel the environment is put back."""
import contextlib
import os
import re
import sys
import tempfile

OPTIONAL_AT_IMPORT = ("sklearn", "scipy", "pandas")  # Keras's extras no lesson uses: a prompt a second sooner
# TensorFlow's start-up lines a student cannot act on, which TF_CPP_MIN_LOG_LEVEL=3 does not
# silence: absl's notice, and its info, warning and error lines (no GPU, oneDNN, CPU features).
CHATTER = re.compile(r"^(WARNING: All log messages before absl::InitializeLog\(\)|[IWE]\d{4} |"
                     r"To enable the following instructions)")


def start(own_process):
    if "tensorflow" in sys.modules:
        return
    saved = {name: os.environ.get(name) for name in ("TF_CPP_MIN_LOG_LEVEL", "KERAS_BACKEND")}
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # a value of the user's own is kept
    os.environ["KERAS_BACKEND"] = "tensorflow"
    hidden = [name for name in OPTIONAL_AT_IMPORT if name not in sys.modules] if own_process else []
    sys.modules.update(dict.fromkeys(hidden))  # `import sklearn` raises ImportError, which Keras handles
    try:
        with start_up_lines_hidden():
            import tensorflow  # noqa: F401
            import keras  # noqa: F401
    finally:
        for name in hidden:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]
        for name, value in saved.items():  # the lesson's own process keeps them: TensorFlow
            if not own_process:            # reads the log level again later
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


@contextlib.contextmanager
def start_up_lines_hidden():
    """Every line written to file descriptor 2 meanwhile that is not start-up chatter, written after."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no stderr (pythonw)
        yield
        return
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            kept = [line for line in caught.read().decode("utf-8", "replace").splitlines(True)
                    if not CHATTER.match(line)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()
