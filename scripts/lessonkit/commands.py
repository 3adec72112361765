"""The commands a message suggests, written so that they work where the user is.

A terminal gets `python path/to/script.py --flag`, with the script's path as the user gave it
(`scripts/x.py` from the collection's folder, `x.py` from `scripts/`, as PyCharm runs it), the
Python command that reaches this interpreter (`python3` on a stock macOS), and quoting for the
shell: POSIX quotes on Linux and macOS, double quotes for cmd.exe and PowerShell on Windows.
A notebook gets the form that works in a cell: `%run scripts/x.py --flag`, `%pip install x`.
"""
import ntpath
import os
import posixpath
import shlex
import sys

from lessonkit import platforms

# Characters after which cmd.exe or PowerShell would read a word differently.
WINDOWS_SPECIAL = set(' \t"&|<>^()%!;,$`\'@{}=')


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
    """The command that installs `packages` into this Python."""
    facts = facts or platforms.current()
    if facts.in_ipython:
        return " ".join(["%pip install", *quoted(packages, facts)])
    return " ".join([python_command(facts, exact=True), "-m pip install", *quoted(packages, facts)])


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
    return shown_path(given, path_module)


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
    where there is none on PATH, this interpreter's full path.
    """
    here = normalised(facts.executable, facts)
    found = {name: path for name, path in facts.on_path.items() if path}
    for name, path in found.items():
        if normalised(path, facts) == here:
            return name
    if found and not exact:
        return next(iter(found))
    return quoted([facts.executable], facts)[0]


def normalised(path, facts):
    path_module = ntpath if facts.os == "windows" else posixpath
    return path_module.normcase(os.path.realpath(path) if facts.os != "windows" else path)


def quoted(words, facts):
    """Each word quoted for the user's shell, only where it needs it."""
    if facts.os != "windows":
        return [shlex.quote(str(word)) for word in words]
    return [windows_quoted(str(word)) for word in words]


def windows_quoted(word):
    """Double quotes for cmd.exe and PowerShell, which both read them (single quotes only PowerShell)."""
    if word and not set(word) & WINDOWS_SPECIAL:
        return word
    return '"' + word.replace('"', '""') + '"'
