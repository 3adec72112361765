"""Where a script runs: the facts that differ between Linux, macOS, Windows, notebooks and IDEs.

This is the one module that looks at the platform. Each decision that depends on it takes a
`Facts` and lives with its concern, named for what it decides: `plots.can_show_plots`,
`commands.command_for_user`, `console.progress_style`, `files.replace_is_worth_retrying`,
and `process_is_alive` here. Tests hand those functions another platform's facts.
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
    environ: dict                # the environment variables
    in_ipython: bool = False     # run by IPython's %run (a Jupyter or Colab kernel, or a terminal IPython)
    in_kernel: bool = False      # inside a notebook kernel, whose frontend shows inline pictures
    stdout_isatty: bool = False  # stdout is a terminal, not a pipe, a file or an IDE's console
    executable: str = "python"   # this Python
    on_path: dict = dataclasses.field(default_factory=dict)  # "python", "python3", "py": where PATH finds them
    console_codepage: int = 0    # Windows: the console's output code page (936 in a Chinese console)
    session_id: int = -1         # Windows: the logon session; 0 is a service's, with no desktop
    shell: str = ""              # Windows: "powershell", "cmd" or "bash" (Git Bash), where it shows
    externally_managed: bool = False  # pip refuses to install into this Python (PEP 668)


# The names a user may type to start Python, in the order they are suggested.
PYTHON_COMMANDS = {"linux": ("python", "python3"), "darwin": ("python", "python3"),
                   "windows": ("python", "py", "python3")}


def current():
    """The facts of this process, as it is now."""
    name = {"win32": "windows", "cygwin": "windows", "darwin": "darwin"}.get(sys.platform, "linux")
    shell = ipython_shell()
    stdout = sys.stdout
    try:
        isatty = stdout is not None and stdout.isatty()
    except (AttributeError, OSError, ValueError):
        isatty = False
    codepage, session = windows_console_facts() if name == "windows" else (0, -1)
    return Facts(
        os=name, environ=dict(os.environ), in_ipython=shell is not None,
        in_kernel=shell is not None and getattr(shell, "kernel", None) is not None,
        stdout_isatty=isatty, executable=sys.executable or "python",
        on_path={command: shutil.which(command) for command in PYTHON_COMMANDS[name]},
        console_codepage=codepage, session_id=session,
        shell=windows_shell(os.environ) if name == "windows" else "",
        externally_managed=is_externally_managed(sysconfig.get_path("stdlib"),
                                                 in_venv=sys.prefix != sys.base_prefix))


def lesson_globals():
    """The globals of the lesson that called into lessonkit, or imported it (the frames of
    lessonkit and of Python's import machinery skipped)."""
    frame = sys._getframe(1)
    while frame is not None and (frame.f_code.co_filename.startswith("<frozen")
                                 or frame.f_globals.get("__name__", "").startswith("lessonkit")):
        frame = frame.f_back
    return frame.f_globals if frame is not None else {}


def ipython_shell():
    """The running IPython shell, when this script was started by %run; else None.

    IPython is never imported here: a script started by IPython finds it already loaded.
    """
    module = sys.modules.get("IPython")
    get_ipython = getattr(module, "get_ipython", None)
    return get_ipython() if get_ipython is not None else None


def windows_shell(environ):
    """The shell a Windows user types in, as far as the environment shows it, else "".

    Git Bash and MSYS2 set MSYSTEM. PowerShell, each time it starts, adds the user's own module
    folder (in Documents, wherever that is) to PSModulePath; cmd.exe never does, but sets PROMPT,
    which PowerShell does not.
    """
    if variable(environ, "MSYSTEM") or "bash" in variable(environ, "SHELL"):
        return "bash"
    powershell = any(is_users_module_folder(folder, environ)
                     for folder in variable(environ, "PSModulePath").split(";"))
    cmd = bool(variable(environ, "PROMPT"))
    if powershell == cmd:  # both: one shell started from the other; neither: an IDE's Run button
        return ""
    return "powershell" if powershell else "cmd"


def is_users_module_folder(folder, environ):
    """Whether `folder` is a PowerShell module folder outside Program Files and Windows."""
    folder = ntpath.normcase(folder.rstrip("\\/"))
    system = tuple(ntpath.normcase(variable(environ, name, default)).rstrip("\\") + "\\"
                   for name, default in (("ProgramFiles", r"C:\Program Files"),
                                         ("ProgramFiles(x86)", r"C:\Program Files (x86)"),
                                         ("SystemRoot", r"C:\Windows")))
    return folder.endswith("powershell\\modules") and not folder.startswith(system)


def variable(environ, name, default=""):
    """An environment variable, whatever the case of its name (Windows upper-cases them)."""
    for key, value in environ.items():
        if key.upper() == name.upper():
            return value
    return default


def is_externally_managed(stdlib, in_venv):
    """Whether pip refuses to install into this Python: a Homebrew or a Linux distribution's
    Python outside a virtual environment, marked by EXTERNALLY-MANAGED in its stdlib folder."""
    marker = os.path.join(stdlib or "", "EXTERNALLY-MANAGED")
    return not in_venv and bool(stdlib) and os.path.isfile(marker)


def windows_console_facts():
    """(the console's output code page, the process's logon session id); (0, -1) where unknown."""
    try:
        kernel32 = ctypes.WinDLL("kernel32")
        session = ctypes.c_ulong()
        if not kernel32.ProcessIdToSessionId(kernel32.GetCurrentProcessId(), ctypes.byref(session)):
            return int(kernel32.GetConsoleOutputCP()), -1
        return int(kernel32.GetConsoleOutputCP()), int(session.value)
    except (AttributeError, OSError):
        return 0, -1


# ## Is a process still running?

STILL_ACTIVE = 259
PROCESS_QUERY_LIMITED_INFORMATION = 0x1000
ERROR_ACCESS_DENIED = 5


def process_is_alive(pid, facts=None, kernel32=None):
    """Whether process `pid` is running.

    On Windows `os.kill(pid, 0)` is not a question but Ctrl-C sent to a console (signal 0 is
    CTRL_C_EVENT there), so the process is looked up with OpenProcess instead.
    """
    facts = facts or current()
    if facts.os == "windows":
        return windows_process_is_alive(pid, kernel32 or windows_kernel32())
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, under another user
    return True


def windows_kernel32():
    """Windows's kernel32, its functions declared with the types of their handles and errors."""
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.OpenProcess.restype = wintypes.HANDLE
    kernel32.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
    kernel32.GetExitCodeProcess.argtypes = (wintypes.HANDLE, ctypes.POINTER(wintypes.DWORD))
    kernel32.CloseHandle.argtypes = (wintypes.HANDLE,)
    kernel32.last_error = ctypes.get_last_error
    return kernel32


def windows_process_is_alive(pid, kernel32):
    handle = kernel32.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
    if not handle:
        return kernel32.last_error() == ERROR_ACCESS_DENIED  # exists, but not ours to open
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)
