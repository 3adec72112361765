"""The console: output that never fails, and training progress as this console can show it."""
import contextlib
import os
import sys
import traceback
import types

from lessonkit import platforms

EAST_ASIAN_CODEPAGES = {936, 950, 932, 949}  # where Keras's bar `━` is drawn twice as wide


def install():
    """Text the console cannot encode is escaped (断点续训 as \\u65ad...), undecodable input reaches
    the prompt's checks, no console at all (pythonw) is nowhere to write, and h5py's report of a
    failed write, made again as it cleans up, is not shown: the failure has its one line."""
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
    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: (
        None if h5py_cleanup(unraisable.exc_value, unraisable.object) else hook(unraisable))


def h5py_cleanup(error, where):
    frames = traceback.extract_tb(where) if isinstance(where, types.TracebackType) else []
    return ("h5py" in str(where) or any("h5py" in frame.filename for frame in frames)
            or "id ref count" in str(error))


def progress_style(facts=None):
    """Keras's `verbose` for fit: 1 (the redrawn bar) where it shows right, else 2 (a line an epoch)."""
    facts = facts or platforms.current()
    if facts.in_kernel:
        return 2  # a notebook would keep every redraw in its saved output
    if "PYCHARM_HOSTED" in facts.environ:
        return 1
    if not facts.stdout_isatty:
        return 2
    env = facts.environ  # Windows: only consoles that read ANSI escapes, without an East Asian code page
    reads_ansi = bool(env.get("WT_SESSION") or env.get("TERM_PROGRAM") or env.get("ANSICON")
                      or env.get("ConEmuANSI") == "ON" or env.get("TERM"))
    if facts.os == "windows" and not (reads_ansi and facts.console_codepage not in EAST_ASIAN_CODEPAGES):
        return 2
    return 1
