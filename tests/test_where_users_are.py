"""Where students run the lessons: PyCharm from scripts/, a folder of their own, an environment set
for other frameworks, a script copied away, no console at all, a pipe that closes."""
import importlib.util
import json
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
                      one_line, posix_only, read_until, run_script, start_script,
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


def test_a_lesson_copied_out_of_scripts_runs_where_it_was_copied(tmp_path):
    if importlib.util.find_spec("lessonkit") is None:
        pytest.skip("the collection is not installed here (pip install -r requirements.txt)")
    shutil.copy(SCRIPTS / "rnn_onehot_1pre1.py", tmp_path / "my_lesson.py")
    result = run_script("", "--epochs", "2", "--predict", "a", cwd=tmp_path,
                        path=tmp_path / "my_lesson.py")
    assert result.returncode == 0, result.stderr
    assert "saved to ./checkpoint/my_lesson.weights.h5" in result.stdout
    assert re.search(r"^a->[a-e]$", result.stdout, flags=re.M)


@pytest.mark.parametrize("setting", ["KERAS_BACKEND=torch", "keras.json: jax"])
def test_the_lessons_run_on_tensorflow_whatever_keras_is_told_elsewhere(tmp_path, setting):
    env = {"KERAS_BACKEND": setting.split("=")[1]} if "=" in setting else {}
    if setting.startswith("keras.json"):
        home = tmp_path / "keras-home"
        home.mkdir()
        (home / "keras.json").write_text(json.dumps({"backend": "jax", "floatx": "float32",
                                                     "epsilon": 1e-07, "image_data_format":
                                                     "channels_last"}), encoding="utf-8")
        env["KERAS_HOME"] = str(home)
    result = run_script("rnn_onehot_1pre1", "--epochs", "2", "--predict", "c", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "c->" in result.stdout and "Error" not in result.stderr


@posix_only
def test_without_any_console_the_lesson_still_trains(tmp_path):
    # pythonw on Windows, or a double-click: sys.stdin, sys.stdout and sys.stderr are None. It
    # trains, then its prompt meets the end of the input: status 0.
    process = subprocess.run([sys.executable, str(SCRIPTS / "rnn_onehot_1pre1.py"), "--epochs", "2"],
                             cwd=tmp_path, env=headless_env(), stdin=subprocess.DEVNULL,
                             preexec_fn=lambda: (os.close(0), os.close(1), os.close(2)), timeout=300)
    assert process.returncode == 0
    assert checkpoint_of(tmp_path, "rnn_onehot_1pre1").exists()


@posix_only
def test_output_piped_into_a_program_that_stops_reading_ends_quietly(copy_of):
    cwd = copy_of("rnn_onehot_1pre1")
    process = start_script("rnn_onehot_1pre1", "--epochs", "0", cwd=cwd, stdin=subprocess.PIPE)
    read_until(process, b"load the model")
    process.stdout.close()  # like `| head -1`
    process.stdin.write(b"3\na\nb\nc\n")
    process.stdin.close()
    _, stderr = finish(process)
    assert process.returncode == 1
    assert "Traceback" not in stderr and "Error" not in stderr


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


@pytest.mark.skipif(not Path("/proc/self/task").exists() or os.name != "posix",
                    reason="needs POSIX process groups, and /proc to see the start-up filter")
def test_ctrl_c_to_the_whole_process_group_while_tensorflow_starts_is_one_line(tmp_path):
    # A terminal sends Ctrl-C to every process of its foreground group, as Windows sends it to
    # every process of the console: the start-up filter among them.
    process = start_script("rnn_onehot_1pre1", cwd=tmp_path, stdin=subprocess.DEVNULL,
                           start_new_session=True)
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # TensorFlow imports behind its filter, a child process
        try:
            if children.read_text(encoding="utf-8").split():
                break
        except OSError:
            pass
        time.sleep(0.005)
    else:
        pytest.fail("the start-up filter was never seen")
    time.sleep(0.3)  # well into TensorFlow's import
    os.killpg(process.pid, signal.SIGINT)
    stdout, stderr = finish(process)
    assert process.returncode == 130, stderr
    assert stderr.strip() == "Interrupted."  # and nothing from the filter
    assert "Epoch" not in stdout
