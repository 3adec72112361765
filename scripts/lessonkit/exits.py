"""How a run ends: one line and a status, never a traceback into the collection.

0 the lesson ran, or the prompt was left; 1 something the machine lacks, or unexpected (one
`Error:` line); 2 input that cannot be used (a flag, a file, a folder); 130 interrupted.
Under IPython (`%run`) the status is not the kernel's to take: an ending is silent after its line.
"""
import contextlib
import errno
import os
import signal
import sys
import traceback

from lessonkit import platforms

_state = {"status": 0, "abrupt": False, "interrupted": False}


class Ending(SystemExit):
    """The run ends here with `status`, its line already printed (status 0 under IPython)."""

    def __init__(self, status, message=""):
        self.status, self.message = status, message
        super().__init__(0 if platforms.current().in_ipython else status)


def end(status, message):
    _state["status"] = status
    print(message, file=sys.stdout if status == 0 else sys.stderr, flush=True)
    raise Ending(status, message)


def stop(message):
    """Input that cannot be used as it is: one line saying so and what to do, status 2."""
    end(2, message)


def fail(message):
    """The machine lacks what the lesson needs: one line, status 1."""
    end(1, message)


def interrupted(message="\nInterrupted."):
    end(130, message)


def goodbye():
    end(0, "\nGoodbye.")


def end_abruptly():
    """End without Python's shutdown: after HDF5 failed to write (a full disk), its library can
    crash the process as Python shuts down, after the run has said what it kept."""
    _state["abrupt"] = not platforms.current().in_ipython


def install(lesson_file):
    """For a lesson that is its process's own: Ctrl-C, endings and errors told in one line."""
    def on_interrupt(signum, frame):
        _state["interrupted"] = True  # NumPy's import turns Ctrl-C into a misleading ImportError
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError, OSError):  # not the main thread
        signal.signal(signal.SIGINT, on_interrupt)
    lesson = os.path.normcase(os.path.abspath(lesson_file)) if lesson_file else None
    sys.excepthook = lambda kind, error, tb: told(error, tb, lesson)
    if not hasattr(sys, "ps1"):  # an interactive Python keeps its own exit
        import atexit

        atexit.register(abrupt_end_if_asked)


def abrupt_end_if_asked():
    if _state["abrupt"]:
        flush_output()
        os._exit(_state["status"])


def flush_output():
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()


def told(error, tb, lesson):
    """What reached the top of the lesson: the lesson's own line and error, or one line."""
    _state["status"] = 1
    if isinstance(error, KeyboardInterrupt) or (_state["interrupted"] and isinstance(error, ImportError)):
        print("\nInterrupted.", file=sys.stderr)
        flush_output()
        os._exit(130)  # a parent would see -2 for a death by SIGINT
    if isinstance(error, OSError) and output_is_gone(error):  # | head stopped reading
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
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
    here = os.path.dirname(os.path.abspath(__file__))
    ours = called and os.path.dirname(os.path.abspath(called.filename)) == here
    if in_lesson and not ours:  # the lesson's line as Python shows it, without Keras's frames
        print("".join(traceback.format_list([frames[in_lesson[-1]]]))
              + "".join(traceback.format_exception_only(type(error), error))[:2000].rstrip(),
              file=sys.stderr)
    else:
        print(f"Error: {type(error).__name__}: {first_line(error, 200)}", file=sys.stderr)


def output_is_gone(error):
    """A closed pipe: BrokenPipeError on POSIX, EINVAL from a write to it on Windows."""
    if isinstance(error, BrokenPipeError):
        return True
    if error.errno == errno.EINVAL:
        try:
            sys.stdout.flush()
        except (OSError, ValueError, AttributeError):
            return True
    return False


def first_line(error, length=120):
    lines = str(error).strip().splitlines()
    return lines[0][:length] if lines else type(error).__name__


def shown(text, length=40):
    """A user's text quoted for a message, cut to about `length` characters."""
    text = str(text)
    return repr(text if len(text) <= length else text[:length - 3] + "...")
