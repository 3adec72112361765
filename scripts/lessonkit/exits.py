"""How a run ends: one line and a status, or a mistake in the lesson as Python shows it.

0 the lesson ran, or the prompt was left; 1 something the machine lacks, or unexpected; 2 input
that cannot be used (a flag, a file, a folder); 130 interrupted. Under IPython (`%run`) the
status is not the kernel's to take: an ending is silent after its line.
"""
import contextlib
import os
import re
import signal
import sys
import traceback

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


def stop(message):
    """Input that cannot be used as it is: one line saying so and what to do, status 2."""
    end(2, message)


def fail(message):
    """The machine lacks what the lesson needs: one line, status 1."""
    end(1, message)


def goodbye():
    end(0, "\nGoodbye.")


def install(lesson_file):
    """For a lesson that is its process's own: what reaches the top through the lesson's code is
    told by `told`; anything else (a line typed after `python -i`) is Python's to show."""
    def on_interrupt(signum, frame):
        _interrupted.append(True)
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError, OSError):  # not the main thread
        signal.signal(signal.SIGINT, on_interrupt)
    lesson = os.path.normcase(os.path.abspath(lesson_file))
    sys.excepthook = lambda kind, error, tb: told(kind, error, tb, lesson)


def told(kind, error, tb, lesson):
    frames = traceback.extract_tb(tb)
    mine = [i for i, frame in enumerate(frames) if os.path.normcase(os.path.abspath(frame.filename)) == lesson]
    if isinstance(error, Ending):  # its line is printed (python -i shows SystemExit otherwise)
        return
    if isinstance(error, KeyboardInterrupt) or (_interrupted and isinstance(error, ImportError)):
        print("\nInterrupted.", file=sys.stderr, flush=True)
        os._exit(130)  # a parent would see -2 for a death by SIGINT
    if not mine:
        return sys.__excepthook__(kind, error, tb)
    missing = cannot_import(error)
    if missing:
        print(missing, file=sys.stderr)
    elif from_the_collection(frames[mine[-1] + 1:]):
        print(f"Error: {kind.__name__}: {first_line(error, 200)}", file=sys.stderr)
    else:  # the lesson's lines as Python shows them, Keras's message whole, nothing of ours
        print("".join(traceback.format_list([frames[i] for i in mine])
                      + traceback.format_exception_only(kind, error)).rstrip(), file=sys.stderr)
        hint = hint_for(error)
        if hint:
            print(hint, file=sys.stderr)


def from_the_collection(frames):
    """An error raised by lessonkit's own code (not by Keras or NumPy, which it called)."""
    here = os.path.dirname(os.path.abspath(__file__))
    return (bool(frames) and os.path.dirname(os.path.abspath(frames[0].filename)) == here
            and not re.search(r"[/\\](site|dist)-packages[/\\]", frames[-1].filename))


HINTS = (  # (what Keras says, what to change): mistakes copied from TensorFlow 2.1's lessons
    (r"not recognized.*\blr\b",
     "Hint: Keras 3 calls the learning rate `learning_rate`: Adam(learning_rate=0.01), or Adam(0.01) as the lecture writes it."),
    (r"target\.ndim - 1|return_sequences",
     "Hint: the recurrent layer before Dense should not have return_sequences=True: only a layer "
     "followed by another recurrent layer hands on every time step."),
)


def hint_for(error):
    text = str(error)
    return next((hint for pattern, hint in HINTS if re.search(pattern, text, re.S)), None)


PACKAGES = {"tensorflow": "tensorflow", "keras": "tensorflow", "numpy": "numpy",
            "matplotlib": "matplotlib", "pandas": "pandas", "sklearn": "scikit-learn", "h5py": "h5py"}
RUNTIME = ("install the latest Microsoft Visual C++ Redistributable "
           "(https://aka.ms/vs/17/release/vc_redist.x64.exe)")
ERRORS_PAGE = "see https://www.tensorflow.org/install/errors"


def cannot_import(error):
    """One line on why a package the lessons need cannot be imported, and what to do; else None.
    On Windows a DLL not found is most often the Visual C++ runtime; one whose initialisation
    failed, a processor without AVX."""
    if not isinstance(error, ImportError):
        return None
    from lessonkit.commands import pip_command

    name = (error.name or "").split(".")[0]
    if isinstance(error, ModuleNotFoundError):
        if name not in PACKAGES:
            return None  # a typo in the lesson's own import: the lesson's line shows it
        which = "TensorFlow" if PACKAGES[name] == "tensorflow" else name
        return f"{which} is not installed for this Python ({sys.executable}): {pip_command([PACKAGES[name]])}"
    if not any(words in str(error) for words in ("DLL", "native TensorFlow runtime", "pywrap")):
        return None
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


def first_line(error, length=120):
    lines = str(error).strip().splitlines()
    return lines[0][:length] if lines else type(error).__name__


def shown(text, length=40):
    """A user's text quoted for a message, cut to about `length` characters."""
    text = str(text)
    return repr(text if len(text) <= length else text[:length - 3] + "...")
