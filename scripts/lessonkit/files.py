"""The files a run writes: checked before training, written whole (beside, flushed, renamed) or not at all."""
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

RETRY_SECONDS = 3.0  # while an antivirus, the indexer, OneDrive or Excel holds a file on Windows
refused_paths = set()  # given up on in this run: later writes try once, a run's last one waits


def check_can_write(*paths):
    """End the run with one line and status 2 unless every path can be written or replaced."""
    for path in paths:
        refused_paths.discard(key(path))  # a new run (a notebook's next) waits again
        folder = os.path.dirname(path) or "."
        while not os.path.lexists(folder):  # to be made inside its parent
            folder = os.path.dirname(os.path.abspath(folder))
        problem = folder_problem(folder)
        if problem:
            stop(f"Cannot write {path} ({problem}): run the script from a folder you can write to.")
        problem = file_problem(path)
        if problem:
            stop(f"Cannot write {path}: {problem}; move it away, or run the script from another folder.")


def folder_problem(folder):
    """None when a new file can be made in `folder`."""
    if os.path.islink(folder) and not os.path.exists(folder):
        return f"{folder} is a link to {os.readlink(folder)}, which does not exist (a drive not mounted?)"
    if not os.path.isdir(folder):
        return f"{folder} is not a folder"
    return cannot_create_in(folder)


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
            with open(path, "ab"):  # changes nothing
                pass
        except OSError as error:
            return f"it cannot be replaced ({reason(error)})"


def probe(folder, what):
    """A new file of our own name (tempfile's loop retries 2**31 times under a Windows ACL that
    refuses it); O_TEMPORARY has Windows remove it on close, even while a scanner holds it."""
    path = os.path.join(folder, f".{what}-{os.getpid()}-{time.monotonic_ns()}")
    return path, os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_TEMPORARY", 0))


def cannot_create_in(folder):
    try:
        path, descriptor = probe(folder, "write-test")
    except OSError as error:
        return reason(error)
    os.close(descriptor)
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
    return getattr(error, "strerror", None) or (text.strip().splitlines() or [type(error).__name__])[0][:120]


def check_room(folder, size, by_writing=False):
    """OSError unless `folder` has `size` bytes free; `by_writing` finds a used-up quota too."""
    if shutil.disk_usage(folder).free < size:
        raise OSError(errno.ENOSPC, "No space left on device")
    if by_writing:
        path, descriptor = probe(folder, "room-test")
        try:
            for start in range(0, size, 1 << 20):
                os.write(descriptor, bytes(min(1 << 20, size - start)))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
            with contextlib.suppress(OSError):
                os.remove(path)


class NotReplaced(OSError):
    """Written whole, but it could not take the old file's place: it is kept aside."""

    def __init__(self, error, kept_path):
        super().__init__(error.errno, error.strerror)
        self.cause, self.kept_path = error, kept_path


def split_extension(path):
    if path.endswith(".weights.h5"):
        return path[: -len(".weights.h5")], ".weights.h5"
    return os.path.splitext(path)


def kept_path(path):
    """Beside `path`, dated: x.kept-20261201-121500.weights.h5."""
    stem, extension = split_extension(path)
    return f"{stem}.kept-{time.strftime('%Y%m%d-%H%M%S')}{extension}"


def write_whole(path, write, keep=False):
    """`write(temporary)`, flushed to the disk, renamed to `path`; on a failure `path` is as it was.

    `keep` is for a run's last write: a whole file that cannot replace `path` is kept aside
    (NotReplaced says where), and a program holding `path` open on Windows is waited for again.
    """
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    stem, extension = split_extension(path)
    temporary = f"{stem}.partial-{os.getpid()}{extension}"
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
    """The temporary files of `path` that killed runs left behind."""
    stem, extension = split_extension(path)
    for temporary in glob.glob(f"{glob.escape(stem)}.partial-*{glob.escape(extension)}"):
        pid = temporary[len(stem) + len(".partial-"): -len(extension) or None]
        if pid.isdigit() and int(pid) != os.getpid() and not platforms.process_is_alive(int(pid), facts):
            with contextlib.suppress(OSError):
                os.remove(temporary)


def flush_to_disk(path):
    """fsync; on macOS F_FULLFSYNC, which has the drive write its own cache (fsync where refused)."""
    with open(path, "rb+") as file:
        if getattr(fcntl, "F_FULLFSYNC", None) is not None:
            try:
                fcntl.fcntl(file.fileno(), fcntl.F_FULLFSYNC)
                return
            except OSError:  # a network drive, FAT, exFAT
                pass
        os.fsync(file.fileno())


def replace(temporary, path, facts=None, wait_again=False):
    """os.replace, retried for RETRY_SECONDS while Windows says another program holds `path`
    (access denied, a sharing violation); once in vain, later calls try once unless `wait_again`."""
    deadline = time.monotonic() + (RETRY_SECONDS if wait_again or key(path) not in refused_paths else 0)
    while True:
        try:
            os.replace(temporary, path)
            refused_paths.discard(key(path))
            return
        except OSError as error:
            if not replace_is_worth_retrying(error, facts):
                raise
            if time.monotonic() >= deadline:
                refused_paths.add(key(path))
                raise
            time.sleep(0.1)


def key(path):
    return os.path.normcase(os.path.abspath(path))


def replace_is_worth_retrying(error, facts=None):
    return (facts or platforms.current()).os == "windows" and getattr(error, "winerror", None) in (5, 32, 33)


@contextlib.contextmanager
def weights_file(path):
    """The lecture's `open(path, 'w')` for the weight dump (参数提取): every value printed, the
    file written whole once the loop is done; where it cannot be, a warning and the lesson goes on."""
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
