"""The commands a message suggests, written so that they work where the user is.

A terminal gets `python path/to/script.py --flag`, with the script's path as the user gave it
(`scripts/x.py` from the collection's folder, `x.py` from `scripts/`, as PyCharm runs it), the
Python command that reaches this interpreter (`python3` on a stock macOS), and quoting for the
shell: POSIX quotes on Linux and macOS and in Git Bash (with forward slashes), single quotes in
PowerShell (which expands `$` and backticks inside double quotes), double quotes in cmd.exe, and
where the shell is not known, double quotes, which both of those read.
A notebook gets the form that works in a cell: `%run scripts/x.py --flag`, `%pip install x`.
"""
import ntpath
import os
import posixpath
import shlex
import sys

from lessonkit import platforms

# Characters after which cmd.exe or PowerShell would read a word differently.
WINDOWS_SPECIAL = set(' \t"&|<>^()%!;,$`\'@{}=#‘’‚‛“”„')

# PowerShell ends a single-quoted word at any of these; doubled, each stands for itself.
POWERSHELL_SINGLE_QUOTES = "'‘’‚‛"

# The collection's packages: what a new virtual environment needs.
REQUIREMENTS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__)))), "requirements.txt")

# How a virtual environment in .venv is activated, in each shell.
ACTIVATE = {"posix": "source .venv/bin/activate", "bash": "source .venv/Scripts/activate",
            "powershell": r".venv\Scripts\Activate.ps1", "cmd": r".venv\Scripts\activate"}


def command_for_user(args=(), script=None, facts=None):
    """The command that runs `script` with `args`, as the user would type it here.

    `script` is None for the running script, or the file name of another script of the
    collection, which is then found beside the running one.
    """
    facts = facts or platforms.current()
    path = shown_script_path(sys.argv[0] if sys.argv else "", script, facts)
    if facts.in_ipython:
        return " ".join(["%run", *quoted([path, *args], facts)])
    return " ".join([python_command(facts), *quoted([path, *args], facts)])


def pip_command(packages, facts=None):
    """The command that installs `packages` into this Python, or into a new virtual environment
    where this Python refuses them (PEP 668: Homebrew's, a Linux distribution's)."""
    facts = facts or platforms.current()
    if facts.in_ipython:
        return " ".join(["%pip install", *quoted(packages, facts)])
    if facts.externally_managed:
        return venv_command(packages, facts)
    return " ".join([python_command(facts, exact=True), "-m pip install", *quoted(packages, facts)])


def venv_command(packages, facts):
    """Make .venv with this Python, activate it, and install the collection's packages and
    `packages` there. The lessons then run in that shell with `python`."""
    windows = facts.os == "windows"
    activate = ACTIVATE[(facts.shell or "cmd") if windows else "posix"]
    requirements = []
    if os.path.isfile(REQUIREMENTS):
        requirements = ["-r", shell_path(shown_path(REQUIREMENTS), facts)]
    steps = [f"{python_command(facts, exact=True)} -m venv .venv", activate,
             " ".join(["python -m pip install", *quoted([*requirements, *packages], facts)])]
    return ("; " if facts.shell == "powershell" else " && ").join(steps)  # PowerShell 5.1: no &&


def training_args(argv=None):
    """The running script's arguments without `--epochs N` and `--fresh`: the command that trains.

    What chooses the data (--csv, --synthetic) stays, so the weights trained are the ones wanted.
    The parsers refuse abbreviated flags, so these two are always spelled out in full here.
    """
    words, skip = [], False
    for word in sys.argv[1:] if argv is None else argv:
        if skip:
            skip = False
        elif word == "--epochs":
            skip = True
        elif word != "--fresh" and not word.startswith("--epochs="):
            words.append(word)
    return words


def shown_script_path(argv0, script, facts):
    """The script's path as the user gave it: relative where it lies under the working directory."""
    path_module = ntpath if facts.os == "windows" else posixpath
    given = argv0 or "."
    if script is not None:
        given = path_module.join(path_module.dirname(given), script)
    return shell_path(shown_path(given, path_module), facts)


def shell_path(path, facts):
    """A Windows path as the shell takes it: Git Bash, which eats backslashes, gets slashes."""
    return path.replace("\\", "/") if facts.os == "windows" and facts.shell == "bash" else path


def shown_path(path, path_module=os.path):
    """A path relative to the working directory where it lies under it, else as it is."""
    if not path_module.isabs(path):
        return path
    try:
        relative = path_module.relpath(path, os.getcwd())
    except ValueError:  # another drive on Windows
        return path
    return path if relative.startswith("..") else relative


def python_command(facts, exact=False):
    """The Python command to type: `python`, or `python3` (a stock macOS), or `py` (Windows),
    whichever name on PATH is this interpreter. Where none is, the first of them on PATH, which
    is most likely what the user typed; with `exact` (to install into this very Python), or
    where there is none on PATH, this interpreter's full path. The Microsoft Store's alias is
    never suggested for another Python: where the Store's is not installed, it opens the Store.
    """
    here = normalised(facts.executable, facts)
    found = {name: path for name, path in facts.on_path.items() if path}
    for name, path in found.items():
        if normalised(path, facts) == here:
            return name
    others = [name for name, path in found.items() if not is_store_alias(path, facts)]
    if others and not exact:
        return others[0]
    return interpreter_command(facts)


def is_store_alias(path, facts):
    """Whether `path` is a Windows app alias (...\\AppData\\Local\\Microsoft\\WindowsApps)."""
    return facts.os == "windows" and ntpath.dirname(ntpath.normcase(path)).endswith(
        "\\microsoft\\windowsapps")


def interpreter_command(facts):
    """This interpreter's full path, written so that the user's shell runs it.

    A quoted first word is a program for cmd.exe but a string for PowerShell, which runs it
    only after its call operator `&`, which cmd.exe refuses. Where the shell is not known, only
    the folders that need quotes get them (C:\\"Program Files"\\Python313\\python.exe): both
    read that as one program's path.
    """
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


def normalised(path, facts):
    path_module = ntpath if facts.os == "windows" else posixpath
    return path_module.normcase(os.path.realpath(path) if facts.os != "windows" else path)


def quoted(words, facts):
    """Each word quoted for the user's shell, only where it needs it."""
    if facts.os != "windows" or facts.shell == "bash":
        return [shlex.quote(str(word)) for word in words]
    if facts.shell == "powershell":
        return [powershell_quoted(str(word)) for word in words]
    return [windows_quoted(str(word)) for word in words]


def windows_quoted(word):
    """Double quotes, which cmd.exe and PowerShell both read (single quotes only PowerShell)."""
    if word and not set(word) & WINDOWS_SPECIAL:
        return word
    return '"' + word.replace('"', '""') + '"'


def powershell_quoted(word):
    """Single quotes for PowerShell, inside which nothing expands (`$`, backticks)."""
    if word and not set(word) & WINDOWS_SPECIAL:
        return word
    for mark in POWERSHELL_SINGLE_QUOTES:
        word = word.replace(mark, mark * 2)
    return "'" + word + "'"
