"""The stock lessons on price files the tests make themselves: real TensorFlow, a few epochs."""
import importlib
import re
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from conftest import (SCRIPTS, TABLE_ROW, epoch_losses, headless_env, price_table, run_script,
                      scripts_module)

STOCK_SCRIPTS = {"stock_rnn": "simple_rnn", "stock_lstm": "lstm", "stock_gru": "gru"}
# The lecture's three lines for the model, in its words and its format (%.6f).
LECTURE_METRICS = re.compile(
    r"^均方误差: ([0-9]+\.[0-9]{6})\n均方根误差: ([0-9]+\.[0-9]{6})\n平均绝对误差: ([0-9]+\.[0-9]{6})$",
    flags=re.M)


@pytest.fixture(scope="session")
def stock_runs(tmp_path_factory):
    """Each stock script run once, 2 epochs, on a 400-day file: script -> (directory, process)."""
    runs = {}

    def get(script):
        if script not in runs:
            cwd = tmp_path_factory.mktemp(script)
            price_table(400).to_csv(cwd / "SH600519.csv")
            runs[script] = (cwd, run_script(script, "--epochs", "2", cwd=cwd))
        return runs[script]

    return get


@pytest.mark.parametrize("script", STOCK_SCRIPTS)
def test_each_script_writes_checkpoint_weights_two_pngs_and_the_error_table(stock_runs, script):
    cwd, result = stock_runs(script)
    assert result.returncode == 0, result.stderr
    assert (cwd / "checkpoint" / f"{script}.weights.h5").exists()
    weights = (cwd / f"{script}_weights.txt").read_text()
    layer = STOCK_SCRIPTS[script]
    assert f"sequential/{layer}/{layer}_cell/kernel\n(1, " in weights
    assert f"sequential/{layer}_1/{layer}_cell/recurrent_kernel\n" in weights
    assert "sequential/dense/kernel\n(100, 1)\n" in weights and "..." not in weights
    for png in (f"{script}_curves.png", f"{script}_prediction.png"):
        assert (cwd / png).read_bytes()[:4] == b"\x89PNG" and png in result.stdout
    assert re.search(r"^\s+MSE\s+RMSE\s+MAE$", result.stdout, flags=re.M).start() > (
        LECTURE_METRICS.search(result.stdout).start())  # the lecture's lines first, the table after
    assert re.search(TABLE_ROW.format(name="model"), result.stdout, flags=re.M)
    assert re.search(TABLE_ROW.format(name="persistence"), result.stdout, flags=re.M)
    assert re.search(r"^On 600519 data, by RMSE (the model|persistence) beats", result.stdout,
                     flags=re.M)


@pytest.mark.parametrize("script", STOCK_SCRIPTS)
def test_the_lectures_three_metric_lines_agree_with_each_other_and_the_table(stock_runs, script):
    _, result = stock_runs(script)
    mse, rmse, mae = (float(x) for x in LECTURE_METRICS.search(result.stdout).groups())
    assert rmse == pytest.approx(np.sqrt(mse), abs=2e-6)
    model_row = re.search(TABLE_ROW.format(name="model"), result.stdout, flags=re.M).groups()
    assert [float(x) for x in model_row] == pytest.approx([mse, rmse, mae], abs=6e-5)


def test_prediction_plot_has_the_lectures_title_labels_and_colours(tmp_path):
    plots, prices = scripts_module("plots"), scripts_module("prices")
    assert prices.stock_name("600519") == "MaoTai"
    assert prices.stock_name("000001") == "000001"
    assert prices.stock_name("synthetic") == "Synthetic"
    dates = np.array(pd.bdate_range("2020-01-01", periods=30).strftime("%Y-%m-%d"))
    real = np.linspace(10, 20, 30)
    figure = plots.plot_prediction(dates, real, real + 1, real - 1, "MaoTai",
                                   str(tmp_path / "p.png"), no_show=True)
    ax = figure.axes[0]
    assert ax.get_title() == "MaoTai Stock Price Prediction"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Time", "MaoTai Stock Price")
    lines = {line.get_label(): (line.get_color(), line.get_linestyle()) for line in ax.get_lines()}
    assert lines["MaoTai Stock Price"] == ("red", "-")
    assert lines["Predicted MaoTai Stock Price"] == ("blue", "-")
    assert lines["Persistence (the day before)"] == ("gray", "--")
    assert [text.get_text() for text in ax.get_legend().get_texts()] == list(lines)
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"


def test_persistence_row_equals_an_independent_numpy_computation(stock_runs):
    cwd, result = stock_runs("stock_rnn")
    opens = pd.read_csv(cwd / "SH600519.csv")["open"].to_numpy()
    test = opens[-300:]
    error = test[60:] - test[59:-1]
    expected = [np.mean(error ** 2), np.sqrt(np.mean(error ** 2)), np.mean(np.abs(error))]
    printed = re.search(TABLE_ROW.format(name="persistence"), result.stdout, flags=re.M).groups()
    assert [float(x) for x in printed] == pytest.approx(expected, abs=1e-4)


def test_second_run_resumes_from_the_stock_checkpoint(stock_runs, tmp_path):
    source, first = stock_runs("stock_rnn")
    cwd = tmp_path / "again"
    shutil.copytree(source, cwd)
    result = run_script("stock_rnn", "--epochs", "1", "--no-show", cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert "-------------load the model-----------------" in result.stdout.splitlines()
    assert "(resuming from ./checkpoint/stock_rnn.weights.h5: 断点续训)" in result.stdout
    assert len(epoch_losses(first.stdout)) == 2 and len(epoch_losses(result.stdout)) == 1


def test_rows_without_an_opening_price_are_dropped_with_a_warning(tmp_path):
    table = price_table(420)
    table["open"] = table["open"].astype(object)
    table.loc[[5, 6, 100], "open"] = ["", "n/a", None]
    table.to_csv(tmp_path / "prices.csv", index=False)  # no index column: read by name all the same
    result = run_script("stock_rnn", "--csv", "prices.csv", "--epochs", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    warning = [line for line in result.stderr.splitlines() if line.startswith("Warning: dropped")]
    assert warning and "dropped 3 rows" in warning[0]
    for date in table["date"][[5, 6, 100]]:
        assert date in warning[0]
    assert re.search(TABLE_ROW.format(name="persistence"), result.stdout, flags=re.M)


@pytest.mark.parametrize("case, make, message", [
    ("missing", lambda p: None, "python scripts/get_stock_data.py, or run the lesson offline with --synthetic"),
    ("empty", lambda p: p.write_text(""), "is empty"),
    ("no open column", lambda p: price_table(400).drop(columns="open").to_csv(p), "no 'open' column"),
    ("too few rows", lambda p: price_table(200).to_csv(p), "has 200 usable rows; the lesson needs at least 361"),
    ("too few numbers", lambda p: price_table(400).assign(open="x").to_csv(p), "has 0 usable rows"),
])
def test_a_price_file_that_cannot_be_used_gets_one_line_and_status_2(tmp_path, case, make, message):
    make(tmp_path / "SH600519.csv")
    result = run_script("stock_lstm", cwd=tmp_path)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if not line.startswith("Warning:")]
    assert len(lines) == 1 and message in lines[0]
    assert not (tmp_path / "checkpoint").exists()


def test_synthetic_series_is_deterministic_and_in_tushares_layout():
    prices = scripts_module("prices")
    first, second = prices.synthetic_prices(), prices.synthetic_prices()
    pd.testing.assert_frame_equal(first, second)
    assert list(first.columns) == ["date", "open", "close", "high", "low", "volume", "code"]
    assert len(first) == 2426 and first["date"].iloc[0] == "2010-04-26"
    daily = np.diff(np.log(first["close"].to_numpy()))
    assert 0.01 < daily.std() < 0.03


def test_synthetic_run_says_it_is_synthetic_and_keeps_its_own_checkpoint(tmp_path):
    result = run_script("stock_gru", "--synthetic", "--epochs", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Using synthetic prices" in result.stdout
    assert "On synthetic data, by RMSE" in result.stdout
    assert (tmp_path / "checkpoint" / "stock_gru_synthetic.weights.h5").exists()
    assert not (tmp_path / "checkpoint" / "stock_gru.weights.h5").exists()


def test_get_stock_data_writes_the_lessons_layout_and_no_partial_file(tmp_path):
    get_stock_data = scripts_module("get_stock_data")
    table = price_table(3)
    out = tmp_path / "SH600519.csv"
    get_stock_data.write_prices_csv(table, str(out))
    assert out.read_text().splitlines()[0] == ",date,open,close,high,low,volume,code"
    pd.testing.assert_frame_equal(pd.read_csv(out, index_col=0), table)
    with pytest.raises(ValueError):
        get_stock_data.write_prices_csv(table.drop(columns="open"), str(tmp_path / "bad.csv"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["SH600519.csv"]


def test_get_stock_data_without_tushare_says_how_to_install_it(tmp_path):
    if importlib.util.find_spec("tushare") is not None:
        pytest.skip("tushare is installed here")
    result = subprocess.run([sys.executable, str(SCRIPTS / "get_stock_data.py")], cwd=tmp_path,
                            capture_output=True, text=True, env=headless_env())
    assert result.returncode == 1
    assert result.stderr.strip() == "tushare is not installed: pip install tushare"
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("script", [*STOCK_SCRIPTS, "get_stock_data"])
def test_stock_help_names_the_flags(tmp_path, script):
    result = run_script(script, "--help", cwd=tmp_path)
    assert result.returncode == 0
    flags = ["--code", "--start", "--end", "--out"] if script == "get_stock_data" else [
        "--epochs", "--fresh", "--no-show", "--csv", "--synthetic"]
    for flag in flags:
        assert flag in result.stdout
