"""The files a run writes: checked before any training, and written whole or not at all.

Every file is first written beside its place under a temporary name, then renamed over the old
one: a run that is killed, or a disk that fills, never leaves half a file where a whole one was.
"""
import contextlib
import errno
import glob
import io
import os
import re
import shutil
import stat
import sys
import time

from lessonkit import platforms
from lessonkit.exits import stop

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

# How long a rename is retried while another program holds the old file open on Windows
# (an antivirus scan, the search indexer, OneDrive, Excel or WPS with a CSV).
RETRY_SECONDS = 3.0

# The files whose replacement was still refused after RETRY_SECONDS in this run. A reader that
# keeps one open (HDFView, h5py in a notebook) would otherwise cost every write 3 seconds: their
# later writes try once, except a run's last write of the file (`keep`), which waits again.
refused_paths = set()


# ## Before training

def check_can_write(*paths):
    """End the run with one line and status 2 unless every path can be written (or replaced).

    A new run starts here: a file refused to an earlier run in this process (a notebook's kernel)
    is waited for again."""
    for path in paths:
        refused_paths.discard(refusal_key(path))
        problem = folder_problem(path)
        if problem:
            stop(f"Cannot write {path} ({problem}): run the script from a folder you can write to.")
        problem = file_problem(path)
        if problem:
            stop(f"Cannot write {path}: {problem}; move it away, or run the script from another folder.")


def folder_problem(path):
    """None when a file can be made in the folder of `path` (or where that folder will be made)."""
    folder = os.path.dirname(path) or "."
    while not os.path.lexists(folder):  # not made yet: it will be made inside its parent
        folder = os.path.dirname(os.path.abspath(folder))
    return why_not_a_folder(folder) or why_cannot_create_in(folder)


def file_problem(path):
    """None when `path` does not exist, or is a file that can be replaced."""
    if os.path.islink(path) and not os.path.exists(path):
        return f"it is a link to {os.readlink(path)}, which does not exist"
    if os.path.isdir(path):
        return "it is a folder"
    if os.path.exists(path):
        if not stat.S_ISREG(os.stat(path).st_mode):
            return "it is not a regular file, but a pipe or a device"
        try:
            with open(path, "ab"):  # changes nothing; fails where the file cannot be replaced
                pass
        except OSError as error:
            return f"it cannot be replaced ({reason(error)})"
    return None


def why_not_a_folder(folder):
    if os.path.islink(folder) and not os.path.exists(folder):
        return f"{folder} is a link to {os.readlink(folder)}, which does not exist (a drive not mounted?)"
    if not os.path.isdir(folder):
        return f"{folder} is not a folder"
    return None


def why_cannot_create_in(folder):
    """None when a new file can be made in `folder`.

    One attempt with a name of our own, not tempfile's loop: where an ACL refuses new files,
    Python 3.12 and older on Windows take the refusal for a name clash and retry 2**31 times.
    """
    probe = os.path.join(folder, f".write-test-{os.getpid()}-{time.monotonic_ns()}")
    try:
        os.close(open_probe(probe))
    except OSError as error:
        return reason(error)
    finally:
        remove_probe(probe)
    return None


def open_probe(path):
    """A new file for a test write. On Windows it goes when it is closed, even where an
    antivirus or the search indexer still has it open, which would refuse a removal."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_TEMPORARY", 0))


def remove_probe(path):
    with contextlib.suppress(OSError):
        os.remove(path)


def reason(error):
    """A failed write in a few plain words: 'no space left on the disk', 'Permission denied'."""
    text, number = str(error), getattr(error, "errno", None)
    if number == errno.ENOSPC or "errno = 28" in text or "No space left" in text:
        return "no space left on the disk"
    if number == getattr(errno, "EDQUOT", -1) or "errno = 122" in text:
        return "the disk quota is used up"
    if isinstance(error, RuntimeError) and "flush" in text:  # HDF5 on a disk that filled up
        return "the disk refused the write; is it full?"
    told = re.search(r"error message = '([^']+)'", text)  # HDF5's report of the system's error
    if told:
        return told.group(1)
    return (getattr(error, "strerror", None) or text.strip().splitlines()[0][:120]
            if text.strip() else type(error).__name__)


def check_room(folder, size, by_writing=False):
    """Raise OSError (no space) unless `folder`'s disk has `size` bytes free.

    With `by_writing`, a file of that size is written and removed, which also finds a used-up
    quota, which the free space does not show.
    """
    if shutil.disk_usage(folder).free < size:
        raise OSError(errno.ENOSPC, "No space left on device")
    if not by_writing:
        return
    probe = os.path.join(folder, f".room-test-{os.getpid()}")
    descriptor = open_probe(probe)
    try:
        block = bytes(1024 * 1024)
        for start in range(0, size, len(block)):
            os.write(descriptor, block[: min(len(block), size - start)])
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
        remove_probe(probe)


# ## Writing

class NotReplaced(OSError):
    """The new file was written whole but could not take the old one's place: it is kept aside."""

    def __init__(self, error, kept_path):
        super().__init__(error.errno, error.strerror)
        self.cause, self.kept_path = error, kept_path


def temporary_path(path, pid=None):
    """Where a run with process id `pid` writes `path` before renaming it into place."""
    stem, extension = split_extension(path)
    return f"{stem}.partial-{pid or os.getpid()}{extension}"


def kept_path(path):
    """Where a whole new file goes when it cannot replace `path`: beside it, dated."""
    stem, extension = split_extension(path)
    return f"{stem}.kept-{time.strftime('%Y%m%d-%H%M%S')}{extension}"


def split_extension(path):
    """('checkpoint/x', '.weights.h5') for 'checkpoint/x.weights.h5'; ('x_curves', '.png')."""
    if path.endswith(".weights.h5"):
        return path[: -len(".weights.h5")], ".weights.h5"
    return os.path.splitext(path)


def write_whole(path, write, keep=False):
    """Call `write(temporary_path)`, flush it to the disk, then rename it to `path`.

    On a failure `path` is untouched and the OSError raised. The temporary file is removed,
    except with `keep` when only the rename failed: then it is kept aside (NotReplaced says where).
    `keep` is for a run's last write of `path`: it waits for a program holding `path` open on
    Windows even where an earlier write gave up on it.
    """
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    temporary = temporary_path(path)
    try:
        write(temporary)
        flush_to_disk(temporary)
        try:
            replace(temporary, path, wait_again=keep)
        except OSError as error:
            if not keep:
                raise
            aside = kept_path(path)
            os.replace(temporary, aside)
            raise NotReplaced(error, aside) from error
    finally:
        if os.path.lexists(temporary):
            os.remove(temporary)


def remove_stale_temporaries(path, facts=None):
    """Remove the temporary files of `path` that runs which were killed left behind."""
    stem, extension = split_extension(path)
    for temporary in glob.glob(f"{glob.escape(stem)}.partial-*{glob.escape(extension)}"):
        pid = temporary[len(stem) + len(".partial-"): -len(extension) or None]
        if pid.isdigit() and int(pid) != os.getpid() and not platforms.process_is_alive(int(pid), facts):
            with contextlib.suppress(OSError):
                os.remove(temporary)


def flush_to_disk(path):
    """What the operating system and the drive still hold in memory goes to the disk: a power
    cut keeps it.

    On macOS fsync hands the data to the drive, whose own cache a power cut can still lose;
    F_FULLFSYNC has the drive write its cache out. A file system that refuses it gets fsync.
    """
    with open(path, "rb+") as file:
        full_fsync = getattr(fcntl, "F_FULLFSYNC", None)
        if full_fsync is not None:
            try:
                fcntl.fcntl(file.fileno(), full_fsync)
                return
            except OSError:  # a network drive, FAT, exFAT
                pass
        os.fsync(file.fileno())


def replace(temporary, path, facts=None, wait_again=False):
    """os.replace, retried for a moment while another program holds `path` open on Windows.

    Once that moment has passed in vain, `path` is tried only once in later calls of this run,
    unless the caller asks to `wait_again`; a replace that succeeds forgets the refusal.
    """
    key = refusal_key(path)
    wait = RETRY_SECONDS if wait_again or key not in refused_paths else 0.0
    deadline = time.monotonic() + wait
    while True:
        try:
            os.replace(temporary, path)
            refused_paths.discard(key)
            return
        except OSError as error:
            if not replace_is_worth_retrying(error, facts):
                raise
            if time.monotonic() >= deadline:
                refused_paths.add(key)
                raise
            time.sleep(0.1)


def refusal_key(path):
    return os.path.normcase(os.path.abspath(path))


def replace_is_worth_retrying(error, facts=None):
    """Windows refuses to replace a file another program has open (access denied, or a sharing
    violation) until it closes it, often a moment later; elsewhere a refusal is final."""
    facts = facts or platforms.current()
    return facts.os == "windows" and getattr(error, "winerror", None) in (5, 32, 33)



# ## The weight dump (参数提取)

@contextlib.contextmanager
def weights_file(path):
    """The lesson's weight dump, opened for writing as the lecture's `open(path, 'w')`, written whole.

    Every value is printed (NumPy would cut a long array short with `...`). The file takes its
    place once the lesson's loop has written it all, and one line says so; where it cannot be
    written, a warning says why and the lesson goes on.
    """
    import numpy as np

    text = io.StringIO()
    with np.printoptions(threshold=sys.maxsize):
        yield text

    def write(temporary):
        with open(temporary, "w", encoding="utf-8") as file:
            file.write(text.getvalue())

    try:
        write_whole(path, write)
    except OSError as error:
        print(f"Warning: could not write {path} ({reason(error)}).")
        return
    print(f"Weights written to {path}")
