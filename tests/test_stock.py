"""The stock lessons on the course's prices and on files the tests make: real TensorFlow, a few epochs."""
import os
import argparse
import re
import shutil

import h5py
import numpy as np
import pandas as pd
import pytest

from conftest import (COURSE_FILE, OBSERVED, RESUME_LINE, SCRIPTS, epoch_losses, figure_of, help_of,
                      parser_of, persistence_errors, price_table, printed, run_script, scripts_module,
                      stock_run_name, table_row)

STOCK_SCRIPTS = {"stock_rnn": "simple_rnn", "stock_lstm": "lstm", "stock_gru": "gru"}
# The lecture's three lines for the model, in its words and its format (%.6f).
LECTURE_METRICS = re.compile(
    r"^均方误差: ([0-9]+\.[0-9]{6})\n均方根误差: ([0-9]+\.[0-9]{6})\n平均绝对误差: ([0-9]+\.[0-9]{6})$",
    flags=re.M)
# On the course's file, over the lesson's 240 test days (README, and shared/README of the course).
COURSE_PERSISTENCE = [384.8545, 19.6177, 14.7110]


@pytest.mark.parametrize("script", STOCK_SCRIPTS)
def test_each_script_writes_checkpoint_weights_two_pngs_and_the_error_table(stock_runs, script):
    cwd, stdout = stock_runs(script)
    name = stock_run_name(script)  # its prices are not the course's: a run of its own
    assert (cwd / "checkpoint" / f"{name}.weights.h5").exists()
    weights = (cwd / f"{name}_weights.txt").read_text(encoding="utf-8")
    layer = STOCK_SCRIPTS[script]
    assert f"sequential/{layer}/{layer}_cell/kernel\n(1, " in weights
    assert f"sequential/{layer}_1/{layer}_cell/recurrent_kernel\n" in weights
    assert "sequential/dense/kernel\n(100, 1)\n" in weights and "..." not in weights
    for png in (f"{name}_curves.png", f"{name}_prediction.png"):
        assert (cwd / png).read_bytes()[:4] == b"\x89PNG" and f"Plot saved to {png}" in stdout
    assert re.search(r"^\s+MSE\s+RMSE\s+MAE$", stdout, flags=re.M).start() > (
        LECTURE_METRICS.search(stdout).start())  # the lecture's lines first, the table after
    table_row(stdout, "model")
    table_row(stdout, "persistence")
    assert re.search(r"^On 600519 data, by RMSE (the model|persistence) beats", stdout, flags=re.M)
    if "by RMSE persistence beats" in stdout:  # two epochs rarely beat it
        printed("On … data, by RMSE persistence beats the model (…): …", stdout)
    printed("Prices: X (in the working directory; this run is LESSON, apart from the course's prices)", stdout)
    assert re.search(r"^Epoch 2/2 - [0-9.]+s - loss: [0-9.]+ - val_loss: [0-9.]+$", stdout, flags=re.M)
    printed("均方误差: …", stdout)


@pytest.mark.parametrize("script", STOCK_SCRIPTS)
def test_the_lectures_three_metric_lines_agree_with_each_other_and_the_table(stock_runs, script):
    _, stdout = stock_runs(script)
    mse, rmse, mae = (float(x) for x in LECTURE_METRICS.search(stdout).groups())
    assert rmse == pytest.approx(np.sqrt(mse), abs=2e-6)
    assert table_row(stdout, "model") == pytest.approx([mse, rmse, mae], abs=6e-5)


def test_persistence_row_equals_an_independent_numpy_computation(stock_runs):
    cwd, stdout = stock_runs("stock_rnn")
    opens = pd.read_csv(cwd / "SH600519.csv")["open"]
    assert table_row(stdout, "persistence") == pytest.approx(persistence_errors(opens), abs=1e-4)


def val_losses(stdout):
    return [float(x) for x in re.findall(r" - val_loss: ([0-9.e+-]+)", stdout)]


# stock_lstm and stock_gru resume in a notebook, run again cell by cell (test_notebooks.py).
@pytest.mark.parametrize("script", ["stock_rnn"])
def test_second_run_resumes_where_the_stock_checkpoint_left_off(stock_runs, tmp_path, script):
    source, first = stock_runs(script)
    cwd = tmp_path / "again"
    shutil.copytree(source, cwd)
    result = run_script("", str(SCRIPTS / f"{script}.py"), "--epochs", "1", "--no-show", cwd=cwd,
                        path=OBSERVED)
    assert result.returncode == 0, result.stderr
    assert RESUME_LINE in result.stdout.splitlines()
    assert len(epoch_losses(first)) == 2 and len(epoch_losses(result.stdout)) == 1
    # From the best weights: its one epoch trains on, rather than starting again from nothing.
    assert epoch_losses(result.stdout)[0] < epoch_losses(first)[0] * 0.7
    assert "epochs 3-3" in figure_of(cwd / f"{stock_run_name(script)}_curves.png")["suptitle"]["text"]


def lecture_test_windows(opens):
    """x_test and y_test as the lecture makes them: 300 test days, MinMaxScaler, 60-day windows."""
    from sklearn.preprocessing import MinMaxScaler

    sc = MinMaxScaler(feature_range=(0, 1))
    sc.fit(opens[:-300, None])
    test = sc.transform(opens[-300:, None])[:, 0]
    x = np.array([test[i - 60:i] for i in range(60, 300)])[..., None]
    return x, test[60:], sc


def test_the_checkpoint_holds_the_best_epoch_and_the_evaluation_uses_the_last(stock_runs):
    import keras

    cwd, stdout = stock_runs("stock_rnn")
    path = cwd / "checkpoint" / f"{stock_run_name('stock_rnn')}.weights.h5"
    with h5py.File(path, "r") as f:
        model, best_epoch = keras.models.model_from_json(f.attrs["model"]), int(f.attrs["epoch"])
    model.load_weights(path)
    opens = pd.read_csv(cwd / "SH600519.csv")["open"].to_numpy()
    x_test, y_test, sc = lecture_test_windows(opens)
    predicted = np.asarray(model(x_test, training=False))[:, 0]
    losses = val_losses(stdout)
    # The file's weights give the best epoch's val_loss (printed to 4 figures), not the last's.
    assert np.mean((predicted - y_test) ** 2) == pytest.approx(min(losses), rel=2e-3, abs=1e-4)
    assert best_epoch == 1 + losses.index(min(losses))
    # The errors printed are of the last epoch's weights: its val_loss, in yuan squared.
    span = opens[:-300].max() - opens[:-300].min()
    assert table_row(stdout, "model")[0] == pytest.approx(losses[-1] * span ** 2, rel=5e-3)
    if best_epoch != len(losses):
        printed("Trained N epochs: best val_loss … at epoch N, saved to X; the model goes on with "
                "the weights of epoch N, its last.", stdout)


def test_other_test_days_are_a_changed_lesson(stock_runs):
    # 300 test days edited to 200: the checkpoint's best val_loss was measured on other days.
    checkpoints = scripts_module("lessonkit.checkpoints")
    cwd, _ = stock_runs("stock_rnn")
    path = str(cwd / "checkpoint" / f"{stock_run_name('stock_rnn')}.weights.h5")
    with h5py.File(path, "r") as f:
        model_json = f.attrs["model"]
    assert checkpoints.lesson_changes(path, model_json, test_days=300) == ""
    assert checkpoints.lesson_changes(path, model_json, test_days=200) == "test days 300 -> 200"


def test_a_run_on_other_prices_is_a_lesson_of_its_own_and_leaves_the_course_checkpoint_alone(
        messy_file_run, stock_runs):
    cwd, stdout, _ = messy_file_run  # --csv prices.csv where the course's checkpoint lies
    source, _ = stock_runs("stock_rnn")
    course = (source / "checkpoint" / f"{stock_run_name('stock_rnn')}.weights.h5").read_bytes()
    assert (cwd / "checkpoint" / "stock_rnn.weights.h5").read_bytes() == course  # never resumed nor replaced
    assert RESUME_LINE not in stdout
    assert "saved to ./checkpoint/stock_rnn_prices.weights.h5" in stdout
    for name in ("stock_rnn_prices_weights.txt", "stock_rnn_prices_curves.png", "stock_rnn_prices_prediction.png"):
        assert (cwd / name).exists(), name
    assert not (cwd / "stock_rnn_weights.txt").exists()


def test_runs_are_named_for_their_prices_and_their_recipe(tmp_path, monkeypatch):
    prices = scripts_module("lessonkit.prices")
    monkeypatch.chdir(tmp_path)

    def named(**flags):
        args = argparse.Namespace(**{"lesson": "stock_rnn", "csv": None, "synthetic": False, "scaling": "minmax", **flags})
        return prices.run_name(args)

    assert named() == "stock_rnn"  # the course's file, beside the scripts
    shutil.copyfile(COURSE_FILE, tmp_path / "SH600519.csv")
    assert named() == "stock_rnn"  # a copy of it, as the lecture reads it from the working directory
    price_table(400).to_csv(tmp_path / "我的股票.csv")
    assert named(csv="我的股票.csv", scaling="window") == "stock_rnn_我的股票_window"
    assert named(synthetic=True) == "stock_rnn_synthetic"


# A lesson evaluating what is left once rows are dropped, end to end: test_robustness.py (a
# newest-first file with impossible prices). Here the price reader, as the lesson calls it.
def test_rows_without_an_opening_price_are_dropped_with_a_warning(tmp_path, capsys, monkeypatch):
    table = price_table(420)
    table["open"] = table["open"].astype(object)
    table.loc[[5, 6, 100], "open"] = ["", "n/a", None]
    table.to_csv(tmp_path / "prices.csv", index=False)  # no index column: read by name all the same
    monkeypatch.chdir(tmp_path)
    read = scripts_module("lessonkit.prices").read_prices(
        argparse.Namespace(csv="prices.csv", synthetic=False, lesson="stock_rnn", name="stock_rnn_prices"))
    out, err = capsys.readouterr()
    printed("Prices: X (given with --csv; this run is LESSON, apart from the course's prices)", out)
    warning = [line for line in err.splitlines() if line.startswith("Warning: dropped")]
    assert warning and "dropped 3 rows" in warning[0]
    for date in table["date"][[5, 6, 100]]:
        assert date in warning[0]
    kept = table.drop(index=[5, 6, 100])
    assert list(read["date"]) == list(kept["date"])
    assert read["open"].to_numpy() == pytest.approx(kept["open"].astype(float).to_numpy())


@pytest.mark.parametrize("case, make, quote", [
    ("missing", None, "No price file X: …"),
    ("empty", lambda p: p.write_text("", encoding="utf-8"), "X is empty: …"),
    ("not text", lambda p: p.write_bytes(bytes(range(128, 256)) * 20),
     "Cannot read X: it is neither UTF-8 nor GBK text …"),
    ("not a table", lambda p: p.write_text("date,open\n2020-01-02,1\n2020-01-03,1,2,3\n",
                                          encoding="utf-8"),
     "Cannot read X as a CSV file (…)."),
    ("no open column", lambda p: price_table(400).drop(columns="open").to_csv(p),
     "X has no opening prices: no 'open' or '开盘' column (…)."),
    ("too few rows", lambda p: price_table(200).to_csv(p),
     "X has N usable rows; the lesson needs at least 361 (…)."),
    ("too few numbers", lambda p: price_table(400).assign(open="x").to_csv(p),
     "X has N usable rows; the lesson needs at least 361 (…)."),
])
def test_a_price_file_that_cannot_be_used_gets_one_line_and_status_2(tmp_path, case, make, quote,
                                                                     capsys, monkeypatch):
    if make:
        make(tmp_path / "prices.csv")
    monkeypatch.chdir(tmp_path)
    prices, exits = scripts_module("lessonkit.prices"), scripts_module("lessonkit.exits")
    with pytest.raises(exits.Ending) as ended:  # what the lesson's read_prices line does
        prices.read_prices(argparse.Namespace(csv="prices.csv", synthetic=False))
    assert ended.value.status == 2
    lines = [line for line in capsys.readouterr().err.strip().splitlines()
             if not line.startswith("Warning:")]
    assert len(lines) == 1 and lines[0] == ended.value.message
    printed(quote, lines[0])


def test_synthetic_series_is_deterministic_and_a_random_walk():
    prices = scripts_module("lessonkit.prices")
    (dates, opens), (dates_again, opens_again) = prices.synthetic_prices(), prices.synthetic_prices()
    assert (dates == dates_again).all() and (opens == opens_again).all()
    assert len(opens) == 2426 and dates[0] == "2010-04-26"
    daily = np.diff(np.log(opens))
    assert 0.01 < daily.std() < 0.03


def test_synthetic_prices_say_they_are_synthetic(capsys):
    table = scripts_module("lessonkit.prices").read_prices(argparse.Namespace(synthetic=True))
    printed("Using synthetic prices: …, not a real stock.", capsys.readouterr().out)
    assert table.attrs["code"] == "synthetic" and len(table) == 2426


def test_the_course_file_ships_beside_the_scripts_unchanged():
    table = pd.read_csv(COURSE_FILE)
    assert list(table.columns) == ["Unnamed: 0", "date", "open", "close", "high", "low", "volume",
                                   "code"]
    assert len(table) == 2426
    assert (table["date"].iloc[0], table["date"].iloc[-1]) == ("2010-04-26", "2020-04-24")
    assert table["open"].iloc[0] == 88.702
    assert persistence_errors(table["open"]) == pytest.approx(COURSE_PERSISTENCE, abs=5e-5)


@pytest.mark.parametrize("script", STOCK_SCRIPTS)
def test_stock_help_says_what_each_flag_does_and_its_default(script):
    flags = help_of(parser_of(script).format_help())
    assert "train for N epochs (default: 50, the lecture's)" in flags["--epochs"]
    assert "train from scratch; an existing checkpoint is kept aside, dated" in flags["--fresh"]
    assert "save the plots as PNG files only" in flags["--no-show"]
    assert ("a daily price file (default: SH600519.csv in the working directory if there is one, "
            "else the course's file beside the scripts)") in flags["--csv"]
    assert "a made-up, deterministic price series instead of a file" in flags["--synthetic"]
    assert "minmax (default, the lecture's) maps them to 0-1" in flags["--scaling"]
    assert "window divides each window by its own last price" in flags["--scaling"]


@pytest.mark.parametrize("script", ["get_stock_data"])
def test_stock_scripts_answer_help_with_their_own_flags(tmp_path, script):
    result = run_script(script, "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert help_of(result.stdout) == help_of(parser_of(script).format_help())
    if script == "get_stock_data":
        for flag, words in (("--code", "(default: 600519, Moutai)"), ("--start", "first day, YYYY-MM-DD"),
                            ("--end", "last day, YYYY-MM-DD"), ("--out", "CSV to write (default:")):
            assert words in help_of(result.stdout)[flag]
    assert not os.listdir(tmp_path)


def test_scaling_each_window_by_its_last_price_comes_near_persistence_on_the_course_file(window_run):
    # A few epochs show it as well as many: scaled by their last price the windows say how far
    # the next day moves, and the model's answers stay near no move at all, which is persistence
    # (RMSE 19.56, 19.93, 19.76, 19.44 after 1, 3, 5, 20 epochs here, against 19.62).
    cwd, stdout = window_run  # --scaling window --epochs 3, on the course's file
    model_rmse, persistence_rmse = table_row(stdout, "model")[1], table_row(stdout, "persistence")[1]
    assert persistence_rmse == pytest.approx(19.6177, abs=5e-5)
    assert model_rmse <= 1.15 * persistence_rmse  # no longer 61-112: about persistence's
    assert "open above" not in stdout  # the diagnosis is the lecture's scaling's
    for name in ("checkpoint/stock_rnn_window.weights.h5", "stock_rnn_window_prediction.png"):
        assert (cwd / name).exists(), name
    assert not (cwd / "checkpoint" / "stock_rnn.weights.h5").exists()
