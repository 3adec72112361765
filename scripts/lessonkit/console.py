"""The console: output that never fails, and training progress as this console can show it."""
import contextlib
import math
import os
import sys

from lessonkit import platforms


def install():
    """Text the console cannot encode is escaped (断点续训 as \\u65ad...), undecodable input
    reaches the prompt's checks, and no console at all (pythonw) is nowhere to write."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None or getattr(stream, "closed", False):
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))
        else:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                stream.reconfigure(errors="backslashreplace")
    if sys.stdin is not None and not getattr(sys.stdin, "closed", False):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            sys.stdin.reconfigure(errors="surrogateescape")


def draws_progress_bar(facts=None):
    """Whether Keras's redrawn bar shows right here: a terminal (on Windows one that reads ANSI escapes,
    which the classic console shows as ←[1m) or PyCharm's Run window; not a notebook, a pipe, a log."""
    facts = facts or platforms.current()
    env = facts.environ
    if facts.in_kernel or not (facts.stdout_isatty or "PYCHARM_HOSTED" in env):
        return False
    ansi = any(env.get(name) for name in ("WT_SESSION", "TERM_PROGRAM", "ANSICON", "TERM"))
    return "PYCHARM_HOSTED" in env or facts.os != "windows" or ansi or env.get("ConEmuANSI") == "ON"


def progress_line(epoch, epochs, logs, seconds=None):
    """`Epoch 10/100 - 0.01s - loss: 1.2345` for the first, every tenth and the last epoch; else None."""
    step = max(1, math.ceil(epochs / 10))
    if not (epoch == 0 or (epoch + 1) % step == 0 or epoch + 1 == epochs):
        return None
    took = [f"{seconds:.2f}s"] if seconds is not None else []
    values = [f"{key}: {value:.4f}" for key, value in (logs or {}).items()]
    return " - ".join([f"Epoch {epoch + 1}/{epochs}", *took, *values])
