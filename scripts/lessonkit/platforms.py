"""Where a script runs: the one module that looks at the platform. Each decision that depends on it
takes a `Facts` and lives with its concern (`plots.can_show_plots`); tests hand it another platform's."""
import dataclasses
import os
import shutil
import sys


@dataclasses.dataclass(frozen=True)
class Facts:
    os: str                      # "linux", "darwin" or "windows"
    environ: dict
    in_ipython: bool = False     # run by IPython's %run (Jupyter, Colab, a terminal IPython)
    in_kernel: bool = False      # in a notebook kernel, which shows pictures inline
    stdout_isatty: bool = False
    executable: str = "python"
    on_path: dict = dataclasses.field(default_factory=dict)  # where PATH finds "python"


def current():
    name = {"win32": "windows", "cygwin": "windows", "darwin": "darwin"}.get(sys.platform, "linux")
    get_ipython = getattr(sys.modules.get("IPython"), "get_ipython", None)  # never imported here
    shell = get_ipython() if get_ipython is not None else None
    try:
        isatty = sys.stdout is not None and sys.stdout.isatty()
    except (AttributeError, OSError, ValueError):
        isatty = False
    return Facts(os=name, environ=dict(os.environ), in_ipython=shell is not None,
                 in_kernel=getattr(shell, "kernel", None) is not None, stdout_isatty=isatty,
                 executable=sys.executable or "python", on_path={"python": shutil.which("python")})


def lesson_globals():
    """The globals of the lesson that called into lessonkit (or imported it): only what the lesson
    defines is read from them: its `__file__`, `input_word` and `x_train`."""
    frame = sys._getframe(1)
    while frame is not None and (frame.f_code.co_filename.startswith("<frozen")
                                 or frame.f_globals.get("__name__", "").startswith("lessonkit")):
        frame = frame.f_back
    return frame.f_globals if frame is not None else {}
