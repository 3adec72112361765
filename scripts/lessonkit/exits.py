"""How a run ends: one line and a status, never a traceback into the collection.

    0    the lesson ran, or the prompt was left (`Goodbye.`)
    1    the machine lacks what the lesson needs (a package, TensorFlow), or something unexpected
         happened (one `Error: ...` line)
    2    input that cannot be used: a flag, a file, a folder (one line saying what to do)
    130  interrupted: Ctrl-C, the stop button of a notebook, a termination signal

A lesson is top-level code, so nothing wraps it: a run that the collection ends raises `Ending`,
a SystemExit, after its line is printed; anything else that reaches the top is told by the hook
`install()` puts in place: an error in the lesson's own code as Python tells it, but only the
lesson's line; anything else in one line. Under IPython (`%run` in Jupyter or Colab) the status
is not the kernel's to take: an ending is silent after its line, and the hook is not installed.
"""
import contextlib
import errno
import os
import signal
import sys
import traceback

from lessonkit import platforms


class Ending(SystemExit):
    """The run ends here, with `status`, its line already printed."""

    def __init__(self, status, message=""):
        self.status, self.message = status, message
        super().__init__(status_here(status))


def status_here(status, facts=None):
    """The exit status to raise: `status` for a process, 0 under IPython, where any other
    status adds a red `SystemExit` block under the line."""
    facts = facts or platforms.current()
    return 0 if facts.in_ipython else status


def end(status, message):
    """Print `message` (stdout for status 0, else stderr) and end the run with `status`."""
    global _status
    _status = status
    print(message, file=sys.stdout if status == 0 else sys.stderr, flush=True)
    raise Ending(status, message)


def stop(message):
    """The input cannot be used as it is: one line saying so and what to do, status 2."""
    end(2, message)


def fail(message):
    """The machine lacks what the lesson needs (TensorFlow, a package): one line, status 1."""
    end(1, message)


def interrupted(message="\nInterrupted."):
    end(130, message)


def goodbye():
    end(0, "\nGoodbye.")


_abrupt_end = False
_status = 0  # the status this run ends with, for an abrupt end


def end_abruptly():
    """Have this run end without Python's shutdown, once its lines are out.

    After HDF5 failed to write a file (a disk that filled up), its library can crash the
    process while Python shuts down, and the run would end with a segmentation fault after
    having said what it kept.
    """
    global _abrupt_end
    if not platforms.current().in_ipython:
        _abrupt_end = True


# ## What reaches the top of a lesson

_interrupt_seen = False


def install(lesson_file):
    """For a lesson that is its process's own: Ctrl-C, endings and errors told in one line.

    Ctrl-C inside a C extension's import (NumPy's) comes out as an ImportError with a misleading
    message about the installation; the interrupt is remembered, so that it is told as one.
    """
    def on_interrupt(signum, frame):
        global _interrupt_seen
        _interrupt_seen = True
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError, OSError):  # not the main thread: Python's own handling
        signal.signal(signal.SIGINT, on_interrupt)
    lesson = os.path.normcase(os.path.abspath(lesson_file)) if lesson_file else None
    sys.excepthook = lambda kind, error, tb: told(error, tb, lesson)
    if not hasattr(sys, "ps1"):  # (an interactive Python keeps its own exit)
        import atexit

        atexit.register(abrupt_end_if_asked)


def abrupt_end_if_asked():
    if _abrupt_end:
        flush_output()
        os._exit(_status)


def flush_output():
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()


def told(error, tb, lesson):
    """Tell what reached the top of the lesson, then end: lines, never the collection's traceback."""
    global _status
    _status = 1
    if isinstance(error, KeyboardInterrupt) or (_interrupt_seen and isinstance(error, ImportError)):
        print("\nInterrupted.", file=sys.stderr)
        flush_output()
        os._exit(130)  # Python would end by SIGINT, which a shell reports as 130 but a parent as -2
    if isinstance(error, OSError) and output_is_gone(error):  # | head stopped reading
        silence_stdout()
        return
    if isinstance(error, ModuleNotFoundError) or (isinstance(error, ImportError) and any(
            words in str(error) for words in ("DLL", "native TensorFlow runtime", "pywrap"))):
        from lessonkit.tensorflow_start import cannot_import

        print(cannot_import(error), file=sys.stderr)
        return
    frames = traceback.extract_tb(tb)
    in_lesson = [i for i, frame in enumerate(frames)
                 if lesson and os.path.normcase(os.path.abspath(frame.filename)) == lesson]
    called = frames[in_lesson[-1] + 1] if in_lesson and in_lesson[-1] + 1 < len(frames) else None
    if in_lesson and not (called and is_ours(called.filename)):
        # The lesson's own line, as Python shows it, without Keras's or NumPy's frames.
        print("".join(traceback.format_list([frames[in_lesson[-1]]]))
              + "".join(traceback.format_exception_only(type(error), error))[:2000].rstrip(),
              file=sys.stderr)
        return
    print(unexpected(error), file=sys.stderr)  # the collection's own failure: one line


def is_ours(filename):
    return os.path.dirname(os.path.abspath(filename)) == os.path.dirname(os.path.abspath(__file__))


def output_is_gone(error):
    """A closed pipe: BrokenPipeError on POSIX, EINVAL from a write to it on Windows."""
    if isinstance(error, BrokenPipeError):
        return True
    if error.errno != errno.EINVAL:
        return False
    try:
        sys.stdout.flush()
    except (OSError, ValueError, AttributeError):
        return True
    return False


def silence_stdout():
    """After the reader of stdout went away: send what is left to nowhere, so exiting stays quiet."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def unexpected(error):
    return f"Error: {type(error).__name__}: {first_line(error, 200)}"


def first_line(error, length=120):
    """An error's message cut to one short line, or its type where it has no message."""
    lines = str(error).strip().splitlines()
    return lines[0][:length] if lines else type(error).__name__


def shown(text, length=40):
    """A user's text quoted for a message, cut to about `length` characters."""
    text = str(text)
    return repr(text if len(text) <= length else text[:length - 3] + "...")
