"""What a clumsy user, a strange console or a signal does: never a lost run, never a silent wrong lesson."""
import os
import re
import shutil
import subprocess
import sys
import textwrap

import h5py
import numpy as np
import pandas as pd
import pytest

from conftest import SCRIPTS, TABLE_ROW, headless_env, price_table, run_script

RESUME_LINE = "-------------load the model-----------------"


def checkpoint_of(cwd, lesson):
    return cwd / "checkpoint" / f"{lesson}.weights.h5"


def dead_pid():
    """The process id of a process that has ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


# ## The console

def test_a_console_without_chinese_still_shows_the_resume_line(copy_of):
    cwd = copy_of("rnn_onehot_1pre1")
    result = run_script("rnn_onehot_1pre1", "--epochs", "1", "--predict", "a", cwd=cwd,
                        env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0, result.stderr
    assert RESUME_LINE in result.stdout.splitlines()
    assert "\\u65ad\\u70b9\\u7eed\\u8bad" in result.stdout  # 断点续训, escaped, not an error
    assert re.search(r"^a->[a-e]$", result.stdout, flags=re.M)


def test_the_by_hand_pass_runs_on_a_cp1252_console(copy_of):
    cwd = copy_of("rnn_onehot_4pre1")
    result = run_script("rnn_forward_by_hand", cwd=cwd, env={"PYTHONIOENCODING": "cp1252"})
    assert result.returncode == 0, result.stderr
    assert "memory units (\\u8bb0\\u5fc6\\u4f53)" in result.stdout  # 记忆体
    assert "bcde->a  (Keras: a" in result.stdout


def test_undecodable_input_at_the_prompt_is_asked_again(copy_of):
    cwd = copy_of("rnn_onehot_1pre1")
    typed = b"\xff\xfe\n1\n\xc3\xa9\nb\n"  # not ASCII: neither a count nor a letter here
    result = run_script("rnn_onehot_1pre1", "--epochs", "0", cwd=cwd, stdin=typed,
                        env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("input the number of test alphabet:") == 2
    assert "is not a number of predictions" in result.stdout
    assert "has characters that are not plain letters" in result.stdout
    assert re.findall(r"(\w)->(\w)", result.stdout) == [("b", "c")]


# ## Signals while the checkpoint is written

SAVE_UNDER_SIGNAL = textwrap.dedent("""
    import os, signal, sys
    import numpy as np
    sys.path.insert(0, {scripts!r})
    from startup import import_tensorflow
    import checkpoints
    tf = import_tensorflow()
    model = tf.keras.Sequential([tf.keras.Input((1, 5)), tf.keras.layers.SimpleRNN(3),
                                 tf.keras.layers.Dense(5, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    real_save = model.save_weights

    def save_while_signalled(path):
        os.kill(os.getpid(), signal.{signal})  # arrives as the checkpoint starts being written
        real_save(path)

    model.save_weights = save_while_signalled
    x, y = np.eye(5, dtype="float32")[:, None, :], np.arange(5)
    with checkpoints.keep_best_weights(model, "./checkpoint/lesson.weights.h5") as callback:
        model.fit(x, y, epochs=3, callbacks=[callback], verbose=0)
    print("not reached: the run must end as an interrupted one")
""")


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGINT", "SIGHUP"])
def test_a_signal_during_the_final_save_waits_for_the_file_then_ends_with_130(tmp_path,
                                                                              signal_name):
    code = SAVE_UNDER_SIGNAL.format(scripts=str(SCRIPTS), signal=signal_name)
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, env=headless_env(), timeout=300)
    assert result.returncode == 130, result.stderr
    assert "Training interrupted after 3 epochs" in result.stderr
    assert "saved to ./checkpoint/lesson.weights.h5" in result.stderr
    assert "not reached" not in result.stdout and "Traceback" not in result.stderr
    with h5py.File(tmp_path / "checkpoint" / "lesson.weights.h5", "r") as f:
        assert f.attrs["lesson"] == "lesson"
        assert "layers" in f
    assert os.listdir(tmp_path / "checkpoint") == ["lesson.weights.h5"]


def test_a_run_removes_partial_checkpoints_that_killed_runs_of_its_lesson_left(copy_of):
    cwd = copy_of("rnn_onehot_1pre1")
    folder = cwd / "checkpoint"
    stale = folder / f"rnn_onehot_1pre1.partial-{dead_pid()}.weights.h5"
    live = folder / f"rnn_onehot_1pre1.partial-{os.getpid()}.weights.h5"  # a run still writing
    other = folder / f"rnn_onehot_4pre1.partial-{dead_pid()}.weights.h5"
    for path in (stale, live, other):
        path.write_bytes(b"half a file")
    result = run_script("rnn_onehot_1pre1", "--epochs", "1", "--predict", "a", cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert not stale.exists()
    assert live.exists() and other.exists()


# ## Nothing trained, nothing predicted

@pytest.mark.parametrize("case", ["no checkpoint", "--fresh", "does not load"])
def test_epochs_0_without_usable_weights_says_so_and_exits_2(copy_of, tmp_path, case):
    args = ["--epochs", "0", "--predict", "a"]
    if case == "no checkpoint":
        cwd = tmp_path
    else:
        cwd = copy_of("rnn_embedding_1pre1")
        if case == "--fresh":
            args.append("--fresh")
        else:
            path = checkpoint_of(cwd, "rnn_embedding_1pre1")
            path.write_bytes(path.read_bytes()[:300])
    result = run_script("rnn_embedding_1pre1", *args, cwd=cwd)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "nothing trained to predict with" in lines[0].lower()
    assert "python " in lines[0] and "rnn_embedding_1pre1.py" in lines[0]
    assert "->" not in result.stdout and "Trained 0 epochs" not in result.stdout
    if case == "no checkpoint":
        assert "checkpoint" not in " ".join(os.listdir(tmp_path))


# ## Checkpoints of another lesson, and checkpoints without the record

def test_a_checkpoint_of_another_lesson_with_the_same_shapes_is_warned_about_and_replaced(
        copy_of, trained):
    cwd = copy_of("rnn_onehot_4pre1")
    other, _ = trained("rnn_onehot_1pre1")  # SimpleRNN(3) on 5 letters too: the shapes fit
    path = checkpoint_of(cwd, "rnn_onehot_4pre1")
    shutil.copyfile(checkpoint_of(other, "rnn_onehot_1pre1"), path)
    result = run_script("rnn_onehot_4pre1", "--epochs", "2", "--predict", "abcd", cwd=cwd)
    assert result.returncode == 0, result.stderr
    warning = [line for line in result.stdout.splitlines() if line.startswith("Warning:")]
    assert len(warning) == 1 and "written by rnn_onehot_1pre1, another lesson" in warning[0]
    assert RESUME_LINE not in result.stdout
    with h5py.File(path, "r") as f:
        assert f.attrs["lesson"] == "rnn_onehot_4pre1"


def test_a_checkpoint_without_the_lesson_record_still_loads(copy_of):
    cwd = copy_of("rnn_onehot_4pre1")
    with h5py.File(checkpoint_of(cwd, "rnn_onehot_4pre1"), "a") as f:
        del f.attrs["lesson"]
    result = run_script("rnn_onehot_4pre1", "--epochs", "0", "--predict", "abcd", cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert RESUME_LINE in result.stdout.splitlines()
    assert "abcd->e" in result.stdout


# ## Paths that cannot be written are found before training

def make_checkpoint_a_file(cwd):
    (cwd / "checkpoint").write_text("not a folder")


def make_checkpoint_path_a_folder(cwd):
    (cwd / "checkpoint" / "rnn_onehot_1pre1.weights.h5").mkdir(parents=True)


@pytest.mark.parametrize("make, message", [
    (make_checkpoint_a_file, "checkpoint is a file"),
    (make_checkpoint_path_a_folder, "rnn_onehot_1pre1.weights.h5 is a folder"),
])
def test_a_checkpoint_that_cannot_be_written_ends_the_run_before_training(tmp_path, make, message):
    make(tmp_path)
    result = run_script("rnn_onehot_1pre1", "--predict", "a", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert "Epoch" not in result.stdout


def read_only(folder):
    """A command that runs another with `folder` read-only: for root, who writes anywhere, a
    read-only bind mount of it in a mount namespace of its own; for anyone else, chmod."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return ()
    if shutil.which("unshare") is None:
        pytest.skip("running as root without unshare: no way to make a folder read-only for root")
    return ("unshare", "--mount", "sh", "-c",
            'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"', str(folder))


def test_a_read_only_working_directory_ends_the_run_before_training(tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    try:
        result = run_script("rnn_onehot_1pre1", "--predict", "a", cwd=folder,
                            wrapper=read_only(folder))
    finally:
        folder.chmod(0o755)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Cannot write ./checkpoint/")
    assert "Epoch" not in result.stdout and not os.listdir(folder)


# ## The prompt

def test_closed_stdin_is_end_of_input(copy_of):
    cwd = copy_of("rnn_onehot_1pre1")
    result = run_script("rnn_onehot_1pre1", "--epochs", "0", cwd=cwd, stdin=None,
                        preexec_fn=lambda: os.close(0))
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("Goodbye.")


def test_a_huge_bad_answer_is_echoed_in_a_short_line(copy_of):
    cwd = copy_of("rnn_onehot_1pre1")
    result = run_script("rnn_onehot_1pre1", "--epochs", "0", cwd=cwd,
                        stdin="7" * 1_000_000 + "x\n1\n" + "z" * 1_000_000 + "\nc\n")
    assert result.returncode == 0, result.stderr
    assert max(len(line) for line in result.stdout.splitlines()) < 250
    assert "is not a number of predictions" in result.stdout and "outside a-e" in result.stdout
    assert re.findall(r"(\w)->(\w)", result.stdout) == [("c", "d")]


# ## Price files

def test_a_newest_first_file_with_repeats_and_impossible_prices_is_put_right(tmp_path):
    table = price_table(420, seed=3)
    table.loc[10, "open"] = 0
    table.loc[20, "open"] = -5
    # Newest first, as several sources export, with two dates twice.
    messy = pd.concat([table, table.iloc[[30, 31]]]).sort_values("date", ascending=False,
                                                                 kind="stable")
    messy.to_csv(tmp_path / "SH600519.csv")
    result = run_script("stock_rnn", "--epochs", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 3, warnings
    assert "not in date order (newest first); sorted oldest first" in warnings[0]
    assert "dropped 2 rows whose date comes again" in warnings[1]
    assert "dropped 2 rows" in warnings[2] and "zero or negative" in warnings[2]
    for date in table["date"][[10, 20]]:
        assert date in warnings[2]
    opens = table["open"].drop(index=[10, 20]).to_numpy()[-300:]
    error = opens[60:] - opens[59:-1]
    expected = [np.mean(error ** 2), np.sqrt(np.mean(error ** 2)), np.mean(np.abs(error))]
    printed = re.search(TABLE_ROW.format(name="persistence"), result.stdout, flags=re.M).groups()
    assert [float(x) for x in printed] == pytest.approx(expected, abs=1e-4)


def test_prices_that_never_move_in_training_are_refused(tmp_path):
    table = price_table(400)
    table["open"] = 88.0
    table.to_csv(tmp_path / "SH600519.csv")
    result = run_script("stock_gru", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "every training day opens at 88" in lines[0]
    assert not (tmp_path / "checkpoint").exists()


# ## The downloader

@pytest.mark.parametrize("args, message", [
    (["--start", "notadate"], "'notadate' is not a date like 2010-04-26"),
    (["--end", "2020-13-01"], "'2020-13-01' is not a date"),
    (["--start", "2020-01-02", "--end", "2019-01-01"], "--start 2020-01-02 is not before --end"),
])
def test_get_stock_data_checks_the_dates_before_any_download(tmp_path, args, message):
    result = run_script("get_stock_data", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr.strip().splitlines()[-1]
    assert not os.listdir(tmp_path)


def test_ctrl_c_during_a_download_ends_with_130_and_writes_nothing(tmp_path):
    # A stand-in for tushare, so that no network is needed: its download is interrupted by Ctrl-C.
    package = tmp_path / "site" / "tushare"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        "import os, signal, time\n"
        "def get_k_data(*args, **kwargs):\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    time.sleep(30)\n")
    work = tmp_path / "work"
    work.mkdir()
    result = run_script("get_stock_data", cwd=work, env={"PYTHONPATH": str(tmp_path / "site")})
    assert result.returncode == 130
    assert result.stderr.strip() == "Interrupted."
    assert not os.listdir(work)
