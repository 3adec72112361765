"""The console: output that never fails, and training progress shown the way this console can show it."""
import contextlib
import os
import sys
import traceback
import types

from lessonkit import platforms

# Windows code pages of Chinese, Japanese and Korean consoles, where Keras's bar character `━`
# is drawn twice as wide as it is counted, and each redraw overflows the line.
EAST_ASIAN_CODEPAGES = {936, 950, 932, 949}


def install():
    """For a lesson that is its process's own: text the console cannot show is escaped, never an error.

    With an output encoding that has no Chinese (cp1252, ascii), 断点续训 prints as
    \\u65ad...; bytes typed at a prompt that the input encoding cannot decode reach the
    prompt's checks as escapes, and are refused there like any other bad answer. Where there is
    no console at all (pythonw, a double-click on Windows), output goes nowhere instead of
    ending the run. When a write fails (a full disk), h5py reports it again while it cleans up,
    as an 'Exception ignored' traceback: that is not shown, the failure has its one line.
    """
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None or getattr(stream, "closed", False):
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))
        else:
            reconfigure(stream, "backslashreplace")
    if sys.stdin is not None and not getattr(sys.stdin, "closed", False):
        reconfigure(sys.stdin, "surrogateescape")
    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: (
        None if h5py_cleanup(unraisable.exc_value, unraisable.object) else hook(unraisable))


def h5py_cleanup(error, where):
    """Whether an error comes from h5py tidying up after a write that failed (Cython prints it)."""
    frames = traceback.extract_tb(where) if isinstance(where, types.TracebackType) else []
    return ("h5py" in str(where) or any("h5py" in frame.filename for frame in frames)
            or "id ref count" in str(error))


def reconfigure(stream, errors):
    """Set a text stream's error handler, where it has one to set."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        stream.reconfigure(errors=errors)


def progress_style(facts=None):
    """Keras's `verbose` for fit: 1, its redrawn progress bar, where that shows right; else 2.

    2 prints one plain line per epoch (with the `Epoch N/M` line before it): what a pipe, a log
    file or a console that cannot draw the bar should get.
    """
    facts = facts or platforms.current()
    if facts.in_kernel:
        return 2  # a notebook keeps every redraw of the bar in the saved output: backspaces
    if "PYCHARM_HOSTED" in facts.environ:
        return 1  # PyCharm's console redraws the bar in place
    if not facts.stdout_isatty:
        return 2
    if facts.os == "windows" and not windows_console_draws_the_bar(facts):
        return 2
    return 1


def windows_console_draws_the_bar(facts):
    """The bar's ANSI escapes and `━` show right only in consoles known to read ANSI escapes
    (Windows Terminal, VS Code, ConEmu, ANSICON, Git Bash's mintty) and without an East Asian
    code page; the classic console of cmd.exe and Anaconda Prompt shows `←[1m` instead."""
    env = facts.environ
    reads_ansi = bool(env.get("WT_SESSION") or env.get("TERM_PROGRAM") or env.get("ANSICON")
                      or env.get("ConEmuANSI") == "ON" or env.get("TERM"))
    return reads_ansi and facts.console_codepage not in EAST_ASIAN_CODEPAGES
