"""What a clumsy user, a strange console or a signal does: never a lost run, never a silent wrong lesson."""
import argparse
import os
import re
import shutil
import sys

import h5py
import pytest

from conftest import (RESUME_LINE, SCRIPTS, assert_works_here, checkpoint_of, checkpoint_decision,
                      checkpoint_refusal, messy_prices, one_line, persistence_errors, posix_only,
                      price_table, printed, recorded_model, run_script, scripts_module,
                      suggested_command, table_row)



# ## The console

def test_the_console_encoding_python_chooses_itself_never_fails(resumed_runs):
    _, stdout, _ = resumed_runs("rnn_onehot_1pre1")  # PYTHONIOENCODING empty: the pipe's encoding
    assert RESUME_LINE in stdout.splitlines() and "Trained 5 epochs" in stdout


def test_the_by_hand_pass_runs_on_a_cp1252_console(by_hand_runs):
    _, stdout = by_hand_runs("rnn_onehot_4pre1")  # given nothing, on a cp1252 console
    assert "memory units (\\u8bb0\\u5fc6\\u4f53)" in stdout  # 记忆体
    assert "bcde->a  (Keras: a" in stdout


def test_an_ascii_console_asks_again_after_input_it_cannot_decode(predicted_runs):
    _, out = predicted_runs("rnn_onehot_1pre1")  # PYTHONIOENCODING=ascii; \\xff\\xfe, then é typed
    assert out.count("input the number of test alphabet:") == 2
    assert "is not a whole number" in out and "which are not letters a-z" in out
    assert re.findall(r"(?:^|:)(\w->\w)$", out, flags=re.M) == ["a->b", "b->c", "c->d", "d->e", "e->a"]


def test_a_run_removes_partial_files_that_killed_runs_of_its_lesson_left(resumed_runs):
    _, _, partial = resumed_runs("rnn_onehot_1pre1")  # left there before it ran
    assert not partial["stale"].exists() and not partial["stale picture"].exists()
    assert partial["fresh"].exists() and partial["other lesson's"].exists()


# ## Nothing trained, nothing predicted

# Decided in this process: by the checkpoint check the lesson runs first, or ("does not load") by
# checkpoint_to_load, which tries to load it; a file that does not load, end to end, in
# test_letters.py.
@pytest.mark.parametrize("case", ["no checkpoint", "--fresh", "does not load"])
def test_epochs_0_without_usable_weights_says_so_and_exits_2(copy_of, tmp_path, monkeypatch, capsys,
                                                             case):
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
    if case == "does not load":
        with pytest.raises(scripts_module("lessonkit.exits").Ending) as ended:
            checkpoint_decision("rnn_embedding_1pre1", cwd, *args, monkeypatch=monkeypatch)
        line = ended.value.message.strip()
        assert ended.value.status == 2 and capsys.readouterr().err.strip() == line
    else:
        line = checkpoint_refusal("rnn_embedding_1pre1", cwd, *args, monkeypatch=monkeypatch,
                                  capsys=capsys)
    assert "nothing trained to predict with" in line.lower()
    quote, marker = {
        "no checkpoint": ("Nothing trained to predict with: there is no X yet; train first with: …",
                          "train first with: "),
        "--fresh": ("Nothing trained to predict with: --fresh trains from scratch and --epochs 0 "
                    "trains nothing; train with: … --fresh", "train with: "),
        "does not load": ("Cannot load X (…): nothing trained to predict with; train with: … --fresh",
                          "train with: "),
    }[case]
    printed(quote, line)
    words = suggested_command(line, marker)
    assert_works_here(words, cwd)
    assert words[2:] == ["--predict", "a"] + (["--fresh"] if case != "no checkpoint" else [])
    if case == "no checkpoint":
        assert "checkpoint" not in " ".join(os.listdir(tmp_path))


def test_epochs_0_predicts_with_the_checkpoint_and_changes_nothing_training_wrote(trained,
                                                                                   predicted_runs):
    before, _ = trained("rnn_onehot_1pre1")  # what the run's folder was copied from, times kept
    cwd, stdout = predicted_runs("rnn_onehot_1pre1")
    mtimes = lambda folder: {path.relative_to(folder): path.stat().st_mtime_ns
                             for path in folder.rglob("*.h5")}
    assert mtimes(cwd) == mtimes(before) != {}
    printed("Trained 0 epochs: X left as it was.", stdout)
    printed("No curves: nothing was trained in this run (X: the last training's curves are kept).",
            stdout)
    picture = "rnn_onehot_1pre1_curves.png"
    assert (cwd / picture).read_bytes() == (before / picture).read_bytes()
    # The dump is the lecture's step, done again: the same weights, the same values.
    dump = "rnn_onehot_1pre1_weights.txt"
    assert (cwd / dump).read_text(encoding="utf-8") == (before / dump).read_text(encoding="utf-8")
    assert re.search(r"(?:^|:)c->d$", stdout, flags=re.M)


# ## Checkpoints of another lesson, and checkpoints without the record

def test_a_checkpoint_of_another_lesson_with_the_same_shapes_is_warned_about_and_kept_aside(
        copy_of, trained, monkeypatch, capsys):
    cwd = copy_of("rnn_onehot_4pre1")
    other, _ = trained("rnn_onehot_1pre1")  # SimpleRNN(3) on 5 letters too: the shapes fit
    path = checkpoint_of(cwd, "rnn_onehot_4pre1")
    shutil.copyfile(checkpoint_of(other, "rnn_onehot_1pre1"), path)
    foreign = path.read_bytes()
    # The lesson's checkpoint_to_load, here in this process; the run then trains from scratch and
    # writes a checkpoint of its own, as after a damaged one (test_letters.py).
    assert checkpoint_decision("rnn_onehot_4pre1", cwd, "--epochs", "2", "--predict", "abcd",
                               monkeypatch=monkeypatch) is False
    out = capsys.readouterr().out
    warning = [line for line in out.splitlines() if line.startswith("Warning:")]
    assert len(warning) == 1 and "written by rnn_onehot_1pre1, another lesson" in warning[0]
    assert not path.exists()
    [kept] = path.parent.glob("rnn_onehot_4pre1.kept-*.weights.h5")
    assert kept.read_bytes() == foreign and kept.name in warning[0]


def test_a_checkpoint_without_the_lesson_record_still_loads(copy_of, monkeypatch):
    cwd = copy_of("rnn_onehot_4pre1")
    path = checkpoint_of(cwd, "rnn_onehot_4pre1")
    with h5py.File(path, "a") as f:
        for key in ("lesson", "monitor", "best", "epoch"):
            del f.attrs[key]
    # The lesson's model, built and compiled as the record says; its checkpoint_to_load, here in
    # this process. What follows True, the lesson's resume: test_letters.py.
    assert checkpoint_decision("rnn_onehot_4pre1", cwd, "--epochs", "0", "--predict", "abcd",
                               monkeypatch=monkeypatch, model=recorded_model(path)) is True


# ## Paths that cannot be written are found before training

def make_checkpoint_a_file(cwd):
    (cwd / "checkpoint").write_text("not a folder", encoding="utf-8")


def make_checkpoint_path_a_folder(cwd):
    (cwd / "checkpoint" / "rnn_onehot_1pre1.weights.h5").mkdir(parents=True)


def test_a_checkpoint_that_cannot_be_written_ends_the_run_before_training(tmp_path, monkeypatch,
                                                                         capsys):
    make_checkpoint_a_file(tmp_path)  # the lesson's checkpoint check, here in this process
    line = checkpoint_refusal("rnn_onehot_1pre1", tmp_path, "--predict", "a",
                              monkeypatch=monkeypatch, capsys=capsys)
    printed("Cannot write X: X is a file, not a folder; move or rename it, then run again.", line)


def test_a_checkpoint_path_that_is_a_folder_ends_the_run_before_training(tmp_path, monkeypatch,
                                                                          capsys):
    make_checkpoint_path_a_folder(tmp_path)  # decided by the same check, here in this process
    line = checkpoint_refusal("rnn_onehot_1pre1", tmp_path, "--predict", "a",
                              monkeypatch=monkeypatch, capsys=capsys)
    assert line == ("Cannot write ./checkpoint/rnn_onehot_1pre1.weights.h5: it is a folder; move it away, "
                    "or run the script from another folder.")
    printed("Cannot write X: …; move it away, or run the script from another folder.", line)


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


# Of the refusals the checkpoint check decides before training, this one is seen end to end.
@posix_only
def test_a_read_only_working_directory_ends_the_run_before_training(tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    try:
        result = run_script("rnn_onehot_1pre1", "--predict", "a", cwd=folder,
                            wrapper=read_only(folder))
    finally:
        folder.chmod(0o755)
    line = one_line(result)
    assert line.startswith("Cannot write ./checkpoint/")
    printed("Cannot write X (…): run the script from a folder you can write to.", line)
    assert "Epoch" not in result.stdout and not os.listdir(folder)


# ## The prompt

def test_closed_stdin_is_end_of_input(monkeypatch, capsys):
    # No stdin at all (fd 0 closed, or pythonw): sys.stdin is None. The lesson's count prompt,
    # here in this process; a whole run without any console, end to end, in test_where_users_are.py.
    monkeypatch.setattr(sys, "stdin", None)
    with pytest.raises(scripts_module("lessonkit.exits").Ending) as ended:
        scripts_module("lessonkit.prompt").ask_count("input the number of test alphabet:",
                                                     argparse.Namespace(predict=None))
    assert ended.value.status == 0
    assert capsys.readouterr().out.rstrip().endswith("Goodbye.")


# ## Price files

def test_a_newest_first_file_with_repeats_and_impossible_prices_is_put_right(messy_file_run):
    _, stdout, stderr = messy_file_run  # newest first, two dates twice, opens of 0 and -5
    warnings = [line for line in stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 3, warnings
    printed("Warning: X: the rows are not in date order (newest first); sorted oldest first.",
            warnings[0])
    printed("Warning: X: dropped N rows whose date comes again (…); the first row of each date is kept.",
            warnings[1])
    printed("Warning: dropped N rows of X whose opening price is missing, not a number, zero or "
            "negative: …", warnings[2])
    messy, meant = messy_prices()
    assert "dropped 2 rows" in warnings[1] and "dropped 2 rows" in warnings[2]
    for date in messy["date"][[10, 20]]:
        assert date in warnings[2]
    printed("Prices: X (given with --csv; this run is LESSON, apart from the course's prices)", stdout)
    assert table_row(stdout, "persistence") == pytest.approx(
        persistence_errors(meant["open"]), abs=1e-4)


# A price file refused ends a lesson with its one line before training, end to end: test_stock.py.
# Here the price reader, as the lesson calls it, on a file in the working directory.
def test_prices_that_never_move_in_training_are_refused(tmp_path, capsys, monkeypatch):
    table = price_table(400)
    table["open"] = 88.0
    table.to_csv(tmp_path / "SH600519.csv")
    monkeypatch.chdir(tmp_path)
    prices, exits = scripts_module("lessonkit.prices"), scripts_module("lessonkit.exits")
    with pytest.raises(exits.Ending) as refused:
        prices.read_prices(argparse.Namespace(csv=None, synthetic=False))
    assert refused.value.status == 2
    lines = [line for line in capsys.readouterr().err.strip().splitlines()
             if not line.startswith("Warning:")]
    assert lines == [refused.value.message]
    assert "every training day opens at 88" in lines[0]
    printed("X: every training day opens at …, so there is nothing to learn …", lines[0])
    assert os.listdir(tmp_path) == ["SH600519.csv"]


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
    if "notadate" in message:
        printed("… error: argument …: '…' is not a date like 2010-04-26", result.stderr)
    if "is not before" in message:
        printed("… error: --start … is not before --end …", result.stderr)


def stand_in_package(folder, name, body):
    """A package `name` on a PYTHONPATH of its own, so that no network is needed.

    A stand-in tushare comes with an akshare that is not there, so that the downloader, which
    tries akshare first, never reaches a real akshare (and the network) where one is installed.
    """
    package = folder / "site" / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(body, encoding="utf-8")  # as Python reads source
    if name == "tushare":
        stand_in_package(folder, "akshare", "raise ImportError('no akshare here')\n")
    return str(folder / "site")


def stand_in_akshare(folder, answer=None):
    """A stand-in akshare whose stock_zh_a_hist returns two days of Moutai (or does `answer`)."""
    return stand_in_package(folder, "akshare", (
        "import pandas as pd\n"
        "def stock_zh_a_hist(symbol, **kwargs):\n"
        + (f"    {answer}\n" if answer else
           "    return pd.DataFrame({'日期': ['2020-01-02', '2020-01-03'], '股票代码': [symbol] * 2,\n"
           "                         '开盘': [1128.0, 1117.0], '收盘': [1130.0, 1078.56],\n"
           "                         '最高': [1145.06, 1117.0], '最低': [1116.0, 1076.9],\n"
           "                         '成交量': [148099, 130318]})\n")))


def test_ctrl_c_during_a_download_ends_with_130_and_writes_nothing(tmp_path):
    site = stand_in_package(tmp_path, "tushare", (
        "import signal, time\n"
        "def get_k_data(*args, **kwargs):\n"
        "    signal.raise_signal(signal.SIGINT)\n"
        "    time.sleep(30)\n"))
    work = tmp_path / "work"
    work.mkdir()
    result = run_script("get_stock_data", cwd=work, env={"PYTHONPATH": site})
    assert result.returncode == 130
    assert result.stderr.strip() == "Interrupted."
    printed("Interrupted.", result.stderr)
    assert not os.listdir(work)


def test_a_download_is_written_in_the_course_layout_and_never_over_the_course_file(tmp_path):
    site = stand_in_akshare(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    result = run_script("get_stock_data", cwd=work, env={"PYTHONPATH": site})
    assert result.returncode == 0, result.stderr
    printed("Wrote N days of CODE to X", result.stdout)
    written = (work / "SH600519.csv").read_text(encoding="utf-8").splitlines()
    assert written[0] == ",date,open,close,high,low,volume,code"
    assert written[1] == "0,2020-01-02,1128.0,1130.0,1145.06,1116.0,148099,600519"
    from_scripts = run_script("get_stock_data", cwd=SCRIPTS, env={"PYTHONPATH": site})
    printed("X is the course's published file, which the lessons fall back on: …",
            one_line(from_scripts))


def test_get_stock_data_without_akshare_or_tushare_says_how_to_install_akshare(tmp_path):
    import importlib.util

    if importlib.util.find_spec("akshare") or importlib.util.find_spec("tushare"):
        pytest.skip("a downloader is installed here")
    result = run_script("get_stock_data", cwd=tmp_path)
    line = one_line(result, status=1)
    printed("Downloading needs akshare, which is not installed: … install akshare", line)
    assert not os.listdir(tmp_path)


def test_tushare_on_pandas_2_says_to_install_akshare(tmp_path):
    site = stand_in_package(tmp_path, "tushare", (
        "def get_k_data(*args, **kwargs):\n"
        "    raise AttributeError(\"'DataFrame' object has no attribute 'append'\")\n"))
    import importlib.util

    if importlib.util.find_spec("akshare"):
        pytest.skip("akshare is installed here, and is used first")
    result = run_script("get_stock_data", cwd=tmp_path, env={"PYTHONPATH": site})
    line = one_line(result, status=1)
    printed("tushare's get_k_data does not run on pandas 2 (…); install akshare instead: …", line)


@pytest.mark.parametrize("answer, quote", [
    ("raise ConnectionError('Max retries exceeded with url: push2his.eastmoney.com')",
     "Could not download prices for … with …; check the network, or use the course's prices."),
    ("return pd.DataFrame()", "No prices came back for …"),
])
def test_a_download_that_fails_says_why_in_one_line_and_writes_nothing(tmp_path, answer, quote):
    site = stand_in_akshare(tmp_path, answer)
    work = tmp_path / "work"
    work.mkdir()
    result = run_script("get_stock_data", cwd=work, env={"PYTHONPATH": site})
    printed(quote, one_line(result, status=1))
    assert not os.listdir(work)


def test_a_download_that_cannot_replace_the_old_file_says_so_and_writes_nothing(tmp_path):
    site = stand_in_akshare(tmp_path)
    work = tmp_path / "work"
    (work / "SH600519.csv").mkdir(parents=True)  # the rename fails, as over a file open in Excel
    result = run_script("get_stock_data", cwd=work, env={"PYTHONPATH": site})
    printed("Could not write X (…; is it open in Excel or WPS? close it there, then run again).",
            one_line(result, status=1))
    assert (work / "SH600519.csv").is_dir() and len(os.listdir(work)) == 1  # nothing half written


def test_a_tushare_without_get_k_data_says_to_install_akshare(tmp_path):
    import importlib.util

    if importlib.util.find_spec("akshare"):
        pytest.skip("akshare is installed here, and is used first")
    site = stand_in_package(tmp_path, "tushare", "def pro_api(token=None):\n    pass\n")
    result = run_script("get_stock_data", cwd=tmp_path, env={"PYTHONPATH": site})
    printed("This tushare has no get_k_data; install akshare instead: …", one_line(result, status=1))


def test_a_download_that_cannot_be_written_says_so_in_one_line(tmp_path):
    site = stand_in_akshare(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    (work / "a-file").write_text("not a folder", encoding="utf-8")
    result = run_script("get_stock_data", "--out", os.path.join("a-file", "SH600519.csv"), cwd=work,
                        env={"PYTHONPATH": site})
    assert one_line(result, status=1).startswith(f"Could not write {os.path.join('a-file', 'SH600519.csv')} (")
