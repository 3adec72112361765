"""Where a script runs: the facts that differ between Linux, macOS, Windows, notebooks and IDEs.

This is the one module that looks at the platform. Each decision that depends on it takes a
`Facts` and lives with its concern, named for what it decides: `plots.can_show_plots`,
`commands.command_for_user`, `console.progress_style`, `files.replace_is_worth_retrying`,
and `process_is_alive` here. Tests hand those functions another platform's facts.
"""
import ctypes
import dataclasses
import os
import shutil
import sys


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
        console_codepage=codepage, session_id=session)


def ipython_shell():
    """The running IPython shell, when this script was started by %run; else None.

    IPython is never imported here: a script started by IPython finds it already loaded.
    """
    module = sys.modules.get("IPython")
    get_ipython = getattr(module, "get_ipython", None)
    return get_ipython() if get_ipython is not None else None


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
