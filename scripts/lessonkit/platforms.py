"""Where a script runs: the one module that looks at the platform.

Each decision that depends on it takes a `Facts` and lives with its concern
(`plots.can_show_plots`, `commands.command_for_user`, `console.progress_style`,
`files.replace_is_worth_retrying`, `process_is_alive` here); tests hand them another platform's.
"""
import ctypes
import dataclasses
import ntpath
import os
import shutil
import sys
import sysconfig


@dataclasses.dataclass(frozen=True)
class Facts:
    os: str                      # "linux", "darwin" or "windows"
    environ: dict
    in_ipython: bool = False     # run by IPython's %run (Jupyter, Colab, a terminal IPython)
    in_kernel: bool = False      # in a notebook kernel, which shows pictures inline
    stdout_isatty: bool = False
    executable: str = "python"
    on_path: dict = dataclasses.field(default_factory=dict)  # "python", "python3", "py": where PATH finds them
    console_codepage: int = 0    # Windows: 936 in a Chinese console
    session_id: int = -1         # Windows: 0 is a service's, with no desktop
    shell: str = ""              # Windows: "powershell", "cmd" or "bash" (Git Bash), where it shows
    externally_managed: bool = False  # pip refuses to install into this Python (PEP 668)


PYTHON_COMMANDS = {"linux": ("python", "python3"), "darwin": ("python", "python3"),
                   "windows": ("python", "py", "python3")}


def current():
    name = {"win32": "windows", "cygwin": "windows", "darwin": "darwin"}.get(sys.platform, "linux")
    get_ipython = getattr(sys.modules.get("IPython"), "get_ipython", None)  # never imported here
    shell = get_ipython() if get_ipython is not None else None
    try:
        isatty = sys.stdout is not None and sys.stdout.isatty()
    except (AttributeError, OSError, ValueError):
        isatty = False
    codepage, session = windows_console_facts() if name == "windows" else (0, -1)
    return Facts(
        os=name, environ=dict(os.environ), in_ipython=shell is not None,
        in_kernel=getattr(shell, "kernel", None) is not None, stdout_isatty=isatty,
        executable=sys.executable or "python",
        on_path={command: shutil.which(command) for command in PYTHON_COMMANDS[name]},
        console_codepage=codepage, session_id=session,
        shell=windows_shell(os.environ) if name == "windows" else "",
        externally_managed=is_externally_managed(sysconfig.get_path("stdlib"),
                                                 in_venv=sys.prefix != sys.base_prefix))


def lesson_globals():
    """The globals of the lesson that called into lessonkit or imported it."""
    frame = sys._getframe(1)
    while frame is not None and (frame.f_code.co_filename.startswith("<frozen")
                                 or frame.f_globals.get("__name__", "").startswith("lessonkit")):
        frame = frame.f_back
    return frame.f_globals if frame is not None else {}


def windows_shell(environ):
    """Git Bash and MSYS2 set MSYSTEM; PowerShell adds the user's own module folder to
    PSModulePath; cmd.exe sets PROMPT. Both, or neither (an IDE's Run button): unknown, ""."""
    if variable(environ, "MSYSTEM") or "bash" in variable(environ, "SHELL"):
        return "bash"
    system = tuple(ntpath.normcase(variable(environ, name, default)).rstrip("\\") + "\\"
                   for name, default in (("ProgramFiles", r"C:\Program Files"),
                                         ("ProgramFiles(x86)", r"C:\Program Files (x86)"),
                                         ("SystemRoot", r"C:\Windows")))
    folders = [ntpath.normcase(folder.rstrip("\\/")) for folder in variable(environ, "PSModulePath").split(";")]
    powershell = any(f.endswith("powershell\\modules") and not f.startswith(system) for f in folders)
    cmd = bool(variable(environ, "PROMPT"))
    if powershell == cmd:
        return ""
    return "powershell" if powershell else "cmd"


def variable(environ, name, default=""):
    """An environment variable, whatever the case of its name."""
    return next((value for key, value in environ.items() if key.upper() == name.upper()), default)


def is_externally_managed(stdlib, in_venv):
    """A Homebrew or Linux distribution's Python outside a virtual environment (EXTERNALLY-MANAGED)."""
    return not in_venv and bool(stdlib) and os.path.isfile(os.path.join(stdlib, "EXTERNALLY-MANAGED"))


def windows_console_facts():
    """(the console's output code page, the logon session id); (0, -1) where unknown."""
    try:
        kernel32 = ctypes.WinDLL("kernel32")
        session = ctypes.c_ulong()
        found = kernel32.ProcessIdToSessionId(kernel32.GetCurrentProcessId(), ctypes.byref(session))
        return int(kernel32.GetConsoleOutputCP()), int(session.value) if found else -1
    except (AttributeError, OSError):
        return 0, -1


STILL_ACTIVE = 259


def process_is_alive(pid, facts=None, kernel32=None):
    """On Windows os.kill(pid, 0) would send Ctrl-C to a console: OpenProcess asks instead."""
    if (facts or current()).os != "windows":
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except OSError:
            pass  # it exists, under another user
        return True
    kernel32 = kernel32 or windows_kernel32()
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return kernel32.last_error() == 5  # access denied: it exists, but is not ours to open
    try:
        code = ctypes.c_ulong()
        return not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)) or code.value == STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def windows_kernel32():
    """kernel32 with the types of its handles and errors declared."""
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.OpenProcess.restype = wintypes.HANDLE
    kernel32.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
    kernel32.GetExitCodeProcess.argtypes = (wintypes.HANDLE, ctypes.POINTER(wintypes.DWORD))
    kernel32.CloseHandle.argtypes = (wintypes.HANDLE,)
    kernel32.last_error = ctypes.get_last_error
    return kernel32
