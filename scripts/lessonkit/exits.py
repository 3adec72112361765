"""How a run ends: one line and a status, never a traceback.

    0    the lesson ran, or the prompt was left (`Goodbye.`)
    1    the machine lacks what the lesson needs (a package, TensorFlow), or something unexpected
         happened (one `Error: ...` line)
    2    input that cannot be used: a flag, a file, a folder (one line saying what to do)
    130  interrupted: Ctrl-C, the stop button of a notebook, a termination signal

In a terminal the status is the process's exit status. Under IPython (`%run` in Jupyter or
Colab) the run just ends after its line: the kernel is not the script's to exit, and IPython
would add a red `SystemExit` block to every refusal.
"""
import contextlib
import errno
import os
import signal
import sys

from lessonkit import console, platforms


class Ending(Exception):
    """The run ends here with `status`, after `message` (stderr; stdout for status 0)."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


def stop(message):
    """The input cannot be used as it is: one line saying so and what to do, status 2."""
    raise Ending(2, message)


def fail(message):
    """The machine lacks what the lesson needs (TensorFlow, a package): one line, status 1."""
    raise Ending(1, message)


def interrupted(message="Interrupted."):
    raise Ending(130, message)


def goodbye():
    raise Ending(0, "\nGoodbye.")


_abrupt_end = False


def end_abruptly():
    """Have this run end without Python's shutdown, once its lines are out.

    After HDF5 failed to write a file (a disk that filled up), its library can crash the
    process while Python shuts down, and the run would end with a segmentation fault after
    having said what it kept.
    """
    global _abrupt_end
    _abrupt_end = True


@contextlib.contextmanager
def quiet_start():
    """While a script loads its modules, Ctrl-C is held back; once they are loaded it ends the run.

    Ctrl-C inside a C extension's import (NumPy's) comes out as an ImportError with a misleading
    message about the installation; held back, it comes out as KeyboardInterrupt.
    """
    held = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
    except ValueError:  # not the main thread: Python's own handling
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if held:
        raise KeyboardInterrupt


def run_main(main, facts=None):
    """Run a script's main() so that whatever happens, the user sees lines, not a traceback."""
    with console.never_failing():
        status = outcome(main)
    facts = facts or platforms.current()
    if facts.in_ipython:
        return  # the kernel is not the script's to end
    if _abrupt_end:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError, AttributeError):
                stream.flush()
        os._exit(status)
    sys.exit(status)


def outcome(main):
    """Run main(); print how it ended, and return the status."""
    try:
        main()
        return 0
    except Ending as ending:
        print(ending.message, file=sys.stdout if ending.status == 0 else sys.stderr, flush=True)
        return ending.status
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return 130
    except SystemExit as exit_:  # argparse: --help (0), or a refused flag (2), already printed
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except OSError as error:
        if output_is_gone(error):  # the output went to a program that stopped reading (| head)
            console.silence_stdout()
            return 1
        return unexpected(error)
    except Exception as error:  # the last safety net for a classroom
        return unexpected(error)


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


def unexpected(error):
    print(f"Error: {type(error).__name__}: {first_line(error, 200)}", file=sys.stderr)
    return 1


def first_line(error, length=120):
    """An error's message cut to one short line, or its type where it has no message."""
    lines = str(error).strip().splitlines()
    return lines[0][:length] if lines else type(error).__name__


def shown(text, length=40):
    """A user's text quoted for a message, cut to about `length` characters."""
    text = str(text)
    return repr(text if len(text) <= length else text[:length - 3] + "...")

