"""The commands a message suggests: `python "path with spaces/x.py" --flag`, one rule that
pastes into cmd.exe, PowerShell and a POSIX shell alike; `%run` and `%pip install` in a notebook."""
import ntpath
import os
import posixpath
import sys

from lessonkit import platforms

SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./\\:=+@")


def command_for_user(args=(), script=None, facts=None):
    """The command that runs `script` (None: the running one; else a file beside it) with `args`."""
    facts = facts or platforms.current()
    path_module = ntpath if facts.os == "windows" else posixpath
    given = (sys.argv[0] if sys.argv else "") or "."
    if script is not None:
        given = path_module.join(path_module.dirname(given), script)
    words = [shown_path(given, path_module), *args]
    return " ".join(["%run" if facts.in_ipython else python_command(facts), *map(quoted, words)])


def pip_command(packages, facts=None):
    facts = facts or platforms.current()
    install = "%pip install" if facts.in_ipython else f"{python_command(facts)} -m pip install"
    return " ".join([install, *map(quoted, packages)])


def python_command(facts):
    """`python` on Windows, and where it is this interpreter; `python3` elsewhere (a stock macOS)."""
    python = facts.on_path.get("python")
    this = python and os.path.realpath(python) == os.path.realpath(facts.executable)
    return "python" if facts.os == "windows" or this else "python3"


def quoted(word):
    """Double quotes where a shell would split or read the word otherwise."""
    word = str(word)
    return word if word and set(word) <= SAFE else f'"{word}"'


def training_args(argv=None):
    """The arguments that train the same data: all but `--epochs N` and `--fresh` (never abbreviated)."""
    words = list(sys.argv[1:] if argv is None else argv)
    return [word for i, word in enumerate(words) if word not in ("--epochs", "--fresh")
            and not word.startswith("--epochs=") and words[i - 1:i] != ["--epochs"]]


def shown_path(path, path_module=os.path):
    """Relative to the working directory where it lies under it, else as it is."""
    if not path_module.isabs(path):
        return path
    try:
        relative = path_module.relpath(path, os.getcwd())
    except ValueError:  # another drive on Windows
        return path
    return path if relative.startswith("..") else relative
