"""The commands a message suggests, written so that they work where the user is.

The script's path as the user gave it, the Python command that reaches this interpreter
(`python3` on a stock macOS, `py` on Windows), quoting for the shell (POSIX quotes, and in Git
Bash forward slashes; single quotes in PowerShell, which expands `$` in double ones; double
quotes in cmd.exe and where the shell is unknown); in a notebook, `%run` and `%pip install`.
"""
import ntpath
import os
import posixpath
import shlex
import sys

from lessonkit import platforms

WINDOWS_SPECIAL = set(' \t"&|<>^()%!;,$`\'@{}=#‘’‚‛“”„')  # read differently by cmd.exe or PowerShell
POWERSHELL_SINGLE_QUOTES = "'‘’‚‛"  # each ends a single-quoted word there, unless doubled
REQUIREMENTS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__)))), "requirements.txt")
ACTIVATE = {"posix": "source .venv/bin/activate", "bash": "source .venv/Scripts/activate",
            "powershell": r".venv\Scripts\Activate.ps1", "cmd": r".venv\Scripts\activate"}


def command_for_user(args=(), script=None, facts=None):
    """The command that runs `script` (None: the running one; else a file beside it) with `args`."""
    facts = facts or platforms.current()
    path_module = ntpath if facts.os == "windows" else posixpath
    given = (sys.argv[0] if sys.argv else "") or "."
    if script is not None:
        given = path_module.join(path_module.dirname(given), script)
    words = quoted([shell_path(shown_path(given, path_module), facts), *args], facts)
    return " ".join(["%run" if facts.in_ipython else python_command(facts), *words])


def pip_command(packages, facts=None):
    """Installs `packages` into this Python, or into a new .venv where it refuses them (PEP 668)."""
    facts = facts or platforms.current()
    if facts.in_ipython:
        return " ".join(["%pip install", *quoted(packages, facts)])
    if not facts.externally_managed:
        return " ".join([python_command(facts, exact=True), "-m pip install", *quoted(packages, facts)])
    activate = ACTIVATE[(facts.shell or "cmd") if facts.os == "windows" else "posix"]
    requirements = ["-r", shell_path(shown_path(REQUIREMENTS), facts)] if os.path.isfile(REQUIREMENTS) else []
    steps = [f"{python_command(facts, exact=True)} -m venv .venv", activate,
             " ".join(["python -m pip install", *quoted([*requirements, *packages], facts)])]
    return ("; " if facts.shell == "powershell" else " && ").join(steps)  # PowerShell 5.1: no &&


def training_args(argv=None):
    """The running script's arguments without `--epochs N` and `--fresh` (the parsers refuse
    abbreviations, so these are spelled out): the command that trains the same data."""
    words, skip = [], False
    for word in sys.argv[1:] if argv is None else argv:
        if skip:
            skip = False
        elif word == "--epochs":
            skip = True
        elif word != "--fresh" and not word.startswith("--epochs="):
            words.append(word)
    return words


def shell_path(path, facts):
    """Git Bash eats backslashes: it gets slashes."""
    return path.replace("\\", "/") if facts.os == "windows" and facts.shell == "bash" else path


def shown_path(path, path_module=os.path):
    """Relative to the working directory where it lies under it, else as it is."""
    if not path_module.isabs(path):
        return path
    try:
        relative = path_module.relpath(path, os.getcwd())
    except ValueError:  # another drive on Windows
        return path
    return path if relative.startswith("..") else relative


def python_command(facts, exact=False):
    """The name on PATH that is this interpreter; else (unless `exact`) the first on PATH that
    is not the Microsoft Store's alias (which opens the Store); else this interpreter's path."""
    windows = facts.os == "windows"

    def normalised(path):
        return ntpath.normcase(path) if windows else posixpath.normcase(os.path.realpath(path))

    found = {name: path for name, path in facts.on_path.items() if path}
    for name, path in found.items():
        if normalised(path) == normalised(facts.executable):
            return name
    others = [name for name, path in found.items() if not (windows and ntpath.dirname(
        ntpath.normcase(path)).endswith("\\microsoft\\windowsapps"))]
    if others and not exact:
        return others[0]
    return interpreter_command(facts)


def interpreter_command(facts):
    """This interpreter's path for the user's shell: PowerShell runs a quoted path only after `&`,
    which cmd.exe refuses; where the shell is unknown, only the folders that need it are quoted
    (C:\\"Program Files"\\Python313\\python.exe), which both read."""
    path = facts.executable
    if facts.os != "windows" or facts.shell == "bash":
        return shlex.quote(shell_path(path, facts))
    if not set(path) & WINDOWS_SPECIAL:
        return path
    if facts.shell == "powershell":
        return "& " + powershell_quoted(path)
    if facts.shell == "cmd":
        return windows_quoted(path)
    return "\\".join(windows_quoted(part) for part in path.split("\\"))


def quoted(words, facts):
    """Each word quoted for the user's shell, only where it needs it."""
    if facts.os != "windows" or facts.shell == "bash":
        return [shlex.quote(str(word)) for word in words]
    quote = powershell_quoted if facts.shell == "powershell" else windows_quoted
    return [quote(str(word)) for word in words]


def windows_quoted(word):
    if word and not set(word) & WINDOWS_SPECIAL:
        return word
    return '"' + word.replace('"', '""') + '"'


def powershell_quoted(word):
    if word and not set(word) & WINDOWS_SPECIAL:
        return word
    for mark in POWERSHELL_SINGLE_QUOTES:
        word = word.replace(mark, mark * 2)
    return "'" + word + "'"
