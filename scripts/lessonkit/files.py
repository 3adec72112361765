"""The files a run writes: checked before training, written whole (beside, then renamed) or not at all."""
import contextlib
import errno
import glob
import os
import re
import shutil
import time

from lessonkit import platforms
from lessonkit.exits import stop

RETRY_SECONDS = 1.0   # while an antivirus, the indexer or OneDrive holds a file on Windows
STALE_SECONDS = 60    # a temporary file older than this is a killed run's


def check_can_write(*paths):
    """End the run with one line and status 2 unless every path can be written or replaced."""
    for path in paths:
        folder = os.path.dirname(path) or "."
        while not os.path.lexists(folder):  # to be made inside its parent
            folder = os.path.dirname(os.path.abspath(folder))
        if not os.path.isdir(folder):
            stop(f"Cannot write {path}: {folder} is a file, not a folder; move or rename it, then run again.")
        probe = os.path.join(folder, f".write-test-{os.getpid()}")
        try:
            os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL))
            os.remove(probe)
        except OSError as error:
            stop(f"Cannot write {path} ({reason(error)}): run the script from a folder you can write to.")
        problem = file_problem(path)
        if problem:
            stop(f"Cannot write {path}: {problem}; move it away, or run the script from another folder.")


def file_problem(path):
    """None when `path` does not exist, or is a file that can be replaced."""
    if os.path.isdir(path):
        return "it is a folder"
    if os.path.exists(path):
        try:
            open(path, "ab").close()  # changes nothing
        except OSError as error:
            return f"it cannot be replaced ({reason(error)})"
    return None


def reason(error):
    """A failed write in a few plain words: 'no space left on the disk', 'Permission denied'."""
    text, number = str(error), getattr(error, "errno", None)
    if number == errno.ENOSPC or "errno = 28" in text or "No space left" in text:
        return "no space left on the disk"
    told = re.search(r"error message = '([^']+)'", text)  # HDF5's report of the system's error
    if told:
        return told.group(1)
    return getattr(error, "strerror", None) or (text.strip().splitlines() or [type(error).__name__])[0][:120]


def check_room(folder, size):
    if shutil.disk_usage(folder).free < size:
        raise OSError(errno.ENOSPC, "No space left on device")


def split_extension(path):
    if path.endswith(".weights.h5"):
        return path[: -len(".weights.h5")], ".weights.h5"
    return os.path.splitext(path)


def write_whole(path, write):
    """`write(temporary)` beside `path`, then renamed to it: `path` is the old file or the new one."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    stem, extension = split_extension(path)
    temporary = f"{stem}.partial-{os.getpid()}{extension}"
    try:
        write(temporary)
        replace(temporary, path)
    finally:
        if os.path.lexists(temporary):
            os.remove(temporary)
    for stale in glob.glob(f"{glob.escape(stem)}.partial-*{glob.escape(extension)}"):
        with contextlib.suppress(OSError):
            if time.time() - os.path.getmtime(stale) > STALE_SECONDS:
                os.remove(stale)


def replace(temporary, path, facts=None):
    """os.replace, tried again for a moment while Windows says another program holds `path`."""
    deadline = time.monotonic() + RETRY_SECONDS
    while True:
        try:
            return os.replace(temporary, path)
        except OSError as error:
            if not replace_is_worth_retrying(error, facts) or time.monotonic() >= deadline:
                raise
            time.sleep(0.1)


def replace_is_worth_retrying(error, facts=None):
    """Access denied or a sharing violation, on Windows: another program has the file open."""
    return (facts or platforms.current()).os == "windows" and getattr(error, "winerror", None) in (5, 32, 33)
