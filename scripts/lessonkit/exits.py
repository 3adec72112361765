"""How a run ends: one line and a status (0 done, 1 the machine lacks something, 2 input that cannot
be used, 130 interrupted; under IPython's %run, no status), or a mistake in the lesson as Python shows it."""
import contextlib
import io
import os
import re
import signal
import sys
import types

from lessonkit import platforms

_interrupted = []  # Ctrl-C came: NumPy's import turns it into a misleading ImportError


class Ending(SystemExit):
    """The run ends here with `status`, its line already printed (status 0 under IPython)."""

    def __init__(self, status, message=""):
        self.status, self.message = status, message
        super().__init__(0 if platforms.current().in_ipython else status)


def end(status, message):
    print(message, file=sys.stdout if status == 0 else sys.stderr, flush=True)
    raise Ending(status, message)


def stop(message):  # input that cannot be used as it is
    end(2, message)


def fail(message):  # the machine lacks what the lesson needs
    end(1, message)


def goodbye():
    end(0, "\nGoodbye.")


def install(lesson_file):
    """What reaches the top through the lesson's code is told by `told`; the rest is Python's to show."""
    def on_interrupt(signum, frame):
        _interrupted.append(True)
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError, OSError):  # not the main thread
        signal.signal(signal.SIGINT, on_interrupt)
    lesson = os.path.normcase(os.path.abspath(lesson_file))
    sys.excepthook = lambda kind, error, tb: told(kind, error, tb, lesson)


def told(kind, error, tb, lesson):
    steps = []  # the traceback's entries, the outermost first
    while tb is not None:
        steps.append(tb)
        tb = tb.tb_next
    files = [os.path.abspath(step.tb_frame.f_code.co_filename) for step in steps]
    mine = [i for i, name in enumerate(files) if os.path.normcase(name) == lesson]
    if isinstance(error, Ending):  # its line is printed (python -i shows SystemExit otherwise)
        return
    if isinstance(error, KeyboardInterrupt) or (_interrupted and isinstance(error, ImportError)):
        print("\nInterrupted.", file=sys.stderr, flush=True)
        os._exit(130)  # a parent would see -2 for a death by SIGINT
    if not mine:
        return sys.__excepthook__(kind, error, steps[0] if steps else None)
    here, below = os.path.dirname(os.path.abspath(__file__)), files[mine[-1] + 1:]
    ours = (below and os.path.dirname(below[0]) == here  # lessonkit raised it, not Keras it called
            and not re.search(r"[/\\](site|dist)-packages[/\\]", below[-1]))
    missing = cannot_import(error)
    if missing:
        print(missing, file=sys.stderr)
    elif ours:
        print(f"Error: {kind.__name__}: {first_line(error, 200)}", file=sys.stderr)
    else:  # Python's own display (its "Did you mean"), of the lesson's lines only, Keras's message whole
        shown_tb = None
        for i in reversed(mine):
            shown_tb = types.TracebackType(shown_tb, steps[i].tb_frame, steps[i].tb_lasti, steps[i].tb_lineno)
        error.__suppress_context__ = True  # what Keras was handling inside is not the student's
        stderr, sys.stderr = sys.stderr, io.StringIO()
        try:
            sys.__excepthook__(kind, error.with_traceback(shown_tb), shown_tb)
        finally:
            shown, sys.stderr = sys.stderr.getvalue(), stderr
        print(shown.split("\n", 1)[-1].rstrip(), file=sys.stderr)  # from the first "File" line
        hint = hint_for(error)
        if hint:
            print(hint, file=sys.stderr)


HINTS = (  # (what Keras says, what to change): mistakes copied from TensorFlow 2.1's lessons
    (r"not recognized.*\blr\b", "Hint: Keras 3 calls the learning rate `learning_rate`: "
     "Adam(learning_rate=0.01), or Adam(0.01) as the lecture writes it."),
    (r"target\.ndim - 1|return_sequences",
     "Hint: the recurrent layer before Dense should not have return_sequences=True: only a layer "
     "followed by another recurrent layer hands on every time step."),
)


def hint_for(error):
    return next((hint for pattern, hint in HINTS if re.search(pattern, str(error), re.S)), None)


PACKAGES = {"tensorflow": "tensorflow", "keras": "tensorflow", "numpy": "numpy",
            "matplotlib": "matplotlib", "pandas": "pandas", "sklearn": "scikit-learn", "h5py": "h5py"}
RUNTIME = ("install the latest Microsoft Visual C++ Redistributable "
           "(https://aka.ms/vs/17/release/vc_redist.x64.exe)")
ERRORS_PAGE = "see https://www.tensorflow.org/install/errors"


def cannot_import(error):
    """One line on why a package the lessons need cannot be imported, and what to do; else None."""
    from lessonkit.commands import pip_command

    name = (getattr(error, "name", None) or "").split(".")[0]
    if isinstance(error, ModuleNotFoundError) and name in PACKAGES:  # else a typo of the lesson's
        which = "TensorFlow" if PACKAGES[name] == "tensorflow" else name
        return (f"{which} is not installed for this Python ({sys.executable}): "
                f"{pip_command([PACKAGES[name]])}")
    if not isinstance(error, ImportError) or isinstance(error, ModuleNotFoundError) or not any(
            words in str(error) for words in ("DLL", "native TensorFlow runtime", "pywrap")):
        return None
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    cause = next((line.split(": ", 1)[1] for line in reversed(lines)
                  if re.match(r"^\w*(Error|Exception): .", line)),
                 next((line for line in lines if not line.startswith(("Traceback", "File "))),
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


def first_line(error, length=120):
    lines = str(error).strip().splitlines()
    return lines[0][:length] if lines else type(error).__name__


def shown(text, length=40):
    """A user's text quoted for a message, cut to about `length` characters."""
    text = str(text)
    return repr(text if len(text) <= length else text[:length - 3] + "...")
