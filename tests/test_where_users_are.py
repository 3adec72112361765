"""Where students run the lessons: PyCharm from scripts/, an environment set for other frameworks,
no console at all, a Ctrl-C before anything has started."""
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import (ROOT, SCRIPTS, assert_works_here, checkpoint_of, checkpoint_refusal,
                      finish, headless_env,
                      one_line, posix_only, run_script, start_script,
                      suggested_command)


@pytest.fixture
def scripts_copy(tmp_path):
    """A copy of scripts/, to run the lessons from their own folder as PyCharm does."""
    target = tmp_path / "scripts"
    shutil.copytree(SCRIPTS, target, ignore=shutil.ignore_patterns("__pycache__", "checkpoint"))
    return target


def written_files(folder, before=()):
    return sorted(str(path.relative_to(folder)).replace(os.sep, "/") for path in folder.rglob("*")
                  if path.is_file() and path not in before and "__pycache__" not in path.parts)


def test_pycharm_runs_a_lesson_from_scripts_and_git_ignores_what_it_writes(pycharm_run):
    _, _, written = pycharm_run  # from scripts/, the script's folder, as PyCharm runs it
    assert "checkpoint/rnn_embedding_4pre1.weights.h5" in written and len(written) == 3
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("git, or the collection's git folder, is not here")
    for name in written:
        for where in (f"scripts/{name}", name, f"notebooks/{name}"):
            ignored = subprocess.run(["git", "check-ignore", "-q", "--no-index", where], cwd=ROOT)
            assert ignored.returncode == 0, f"git does not ignore {where}"
    shipped = subprocess.run(["git", "check-ignore", "-q", "--no-index", "scripts/SH600519.csv"],
                             cwd=ROOT)
    assert shipped.returncode == 1  # the course's prices are part of the collection


def test_from_scripts_every_suggested_command_exists_there(scripts_copy, monkeypatch, capsys):
    untrained = run_script("rnn_forward_by_hand", "rnn_onehot_4pre1", cwd=scripts_copy,
                           path=scripts_copy / "rnn_forward_by_hand.py")
    words = suggested_command(one_line(untrained), "train them first with: ")
    assert words[1] == "rnn_onehot_4pre1.py"
    assert_works_here(words, scripts_copy)
    # The lesson's checkpoint check, here in this process, for `python rnn_onehot_1pre1.py`.
    nothing = checkpoint_refusal("rnn_onehot_1pre1", scripts_copy, "--epochs", "0", "--predict", "a",
                                 monkeypatch=monkeypatch, capsys=capsys,
                                 script=scripts_copy / "rnn_onehot_1pre1.py")
    words = suggested_command(nothing, "train first with: ")
    assert words[1:] == ["rnn_onehot_1pre1.py", "--predict", "a"]
    assert_works_here(words, scripts_copy)
    download = run_script("get_stock_data", cwd=scripts_copy, path=scripts_copy / "get_stock_data.py")
    assert "--out" in one_line(download)  # the course's file is never overwritten


# A lesson copied out of scripts/, under a Chinese name: test_student_edits.py.

def test_the_lessons_run_on_tensorflow_whatever_keras_is_told_elsewhere(resumed_runs, pycharm_run):
    _, lab_server, _ = resumed_runs("rnn_onehot_1pre1")  # KERAS_BACKEND=torch in its environment
    _, pycharm, _ = pycharm_run  # a keras.json that says jax
    for stdout in (lab_server, pycharm):
        assert re.search(r"(?:^|:)[a-z]{1,4}->[a-z]$", stdout, flags=re.M), stdout[-500:]


@posix_only
def test_without_any_console_the_lesson_still_runs(copy_of):
    # pythonw on Windows, or a double-click: sys.stdin, sys.stdout and sys.stderr are None. It
    # loads, draws, then its prompt meets the end of the input: status 0.
    cwd = copy_of("rnn_onehot_1pre1")
    process = subprocess.run([sys.executable, str(SCRIPTS / "rnn_onehot_1pre1.py"), "--epochs", "0"],
                             cwd=cwd, env=headless_env(), stdin=subprocess.DEVNULL,
                             preexec_fn=lambda: (os.close(0), os.close(1), os.close(2)), timeout=300)
    assert process.returncode == 0
    assert checkpoint_of(cwd, "rnn_onehot_1pre1").exists()


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="watches /proc to time the Ctrl-C")
def test_ctrl_c_while_the_script_is_still_importing_shows_no_traceback(tmp_path):
    process = start_script("rnn_onehot_1pre1", cwd=tmp_path, stdin=subprocess.DEVNULL)
    maps = Path(f"/proc/{process.pid}/maps")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # NumPy is being loaded: the lesson's first import
        try:
            if "numpy" in maps.read_text(encoding="utf-8", errors="replace"):
                break
        except OSError:
            pass
        time.sleep(0.001)
    else:
        pytest.fail("NumPy was never seen loading")
    process.send_signal(signal.SIGINT)
    stdout, stderr = finish(process)
    assert process.returncode == 130
    assert "Traceback" not in stderr and "Epoch" not in stdout
