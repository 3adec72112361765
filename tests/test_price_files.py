"""Price files as students bring them: every layout read in the order of its dates, or refused.

Each file is made here from a known series, in the layout a source writes; what the lesson would
learn from is checked against that series in date order, and so is persistence's error.
"""
import argparse
import os

import numpy as np
import pandas as pd
import pytest

from conftest import (SCRIPTS, messy_prices, persistence_errors, price_table, printed,
                      scripts_module, table_row, tushare_pro)

prices = scripts_module("lessonkit.prices")
Ending = scripts_module("lessonkit.exits").Ending


@pytest.fixture(scope="module")
def series():
    """A random walk of 420 business days: (ISO dates, opening prices), oldest first."""
    table = price_table(420, seed=5)
    table["open"] = (table["open"] * 25).round(3)  # prices above 1,000, as Moutai's are
    return table


def course_layout(table, path):
    table.to_csv(path)  # tushare's get_k_data, written with to_csv(): an index column first


def akshare(table, path):
    """akshare's stock_zh_a_hist, saved with to_csv(): Chinese headers, the code as text."""
    pd.DataFrame({"日期": table["date"], "股票代码": "600519", "开盘": table["open"],
                  "收盘": table["close"], "最高": table["high"], "最低": table["low"],
                  "成交量": table["volume"]}).to_csv(path, index=False)


def east_money_export(table, path):
    """East Money's export: GBK text, dates as 2020/4/24, a line naming the source at the end."""
    dates = pd.to_datetime(table["date"])
    lines = ["日期,开盘,最高,最低,收盘,成交量"] + [
        f"{d.year}/{d.month}/{d.day},{o},{h},{lo},{c},{v}" for d, o, h, lo, c, v in
        zip(dates, table["open"], table["high"], table["low"], table["close"], table["volume"])]
    lines.append("数据来源:东方财富,,,,,")
    path.write_bytes("\r\n".join(lines).encode("gbk"))


def excel_day_first(table, path):
    """The course's file re-saved by Excel in many locales: a byte order mark, 26/04/2010,
    thousands separators, a space after each comma in the header."""
    dates = pd.to_datetime(table["date"]).dt.strftime("%d/%m/%Y")
    lines = ["date, open, close, code"] + [
        f'{d},"{o:,.3f}",{c},600519' for d, o, c in zip(dates, table["open"], table["close"])]
    path.write_bytes(("\ufeff" + "\r\n".join(lines)).encode("utf-8"))


def excel_month_first(table, path):
    """Excel in the United States: 4/26/2010, no leading zeros."""
    dates = pd.to_datetime(table["date"])
    lines = ["date,open,code"] + [f"{d.month}/{d.day}/{d.year},{o},600519"
                                  for d, o in zip(dates, table["open"])]
    path.write_text("\n".join(lines), encoding="utf-8")


def tab_separated(table, path):
    """A tab-separated export with 时间 as the date's header (同花顺's)."""
    pd.DataFrame({"时间": table["date"], "开盘": table["open"], "收盘": table["close"]}).to_csv(
        path, sep="\t", index=False)


LAYOUTS = [course_layout, tushare_pro, akshare, east_money_export, excel_day_first,
           excel_month_first, tab_separated]


@pytest.mark.parametrize("write", LAYOUTS, ids=[write.__name__ for write in LAYOUTS])
def test_each_layout_is_read_in_date_order(tmp_path, series, write, capsys):
    path = tmp_path / "SH600519-export.csv"  # the code from the file's name, where it has none
    write(series, path)
    dates, opens, code = prices.load_opening_prices(str(path), test_days=300, time_steps=60)
    assert list(dates) == list(series["date"])
    assert opens == pytest.approx(series["open"].to_numpy())
    assert code == "600519"
    assert persistence_errors(opens) == pytest.approx(persistence_errors(series["open"]))
    warnings = capsys.readouterr().err
    if write is tushare_pro:
        assert "not in date order (newest first); sorted oldest first" in warnings
    if write is east_money_export:
        assert "dropped 1 rows whose '日期' is no date ('数据来源:东方财富')" in warnings
        printed("Warning: X: dropped N rows whose '…' is no date (…).", warnings)


def both_ways(rows):
    """Dates that read, and stay in order, both day-first and month-first: the 1st of each month."""
    return [f"01/{month:02d}/{year}" for year in range(1990, 2030) for month in range(1, 13)][:rows]


def test_dates_that_read_both_day_first_and_month_first_are_refused():
    with pytest.raises(Ending) as refused:
        prices.read_dates(pd.Series(both_ways(36)), "ambiguous.csv")
    assert refused.value.status == 2
    assert "cannot be read one way (day-first or month-first" in refused.value.message


def test_the_consistent_reading_is_taken_where_only_one_keeps_the_rows_in_order():
    # 01/02 ... 12/02 then 01/03: day-first is in order, month-first is not.
    text = pd.Series([f"{day:02d}/{month:02d}/2020" for month in (2, 3) for day in range(1, 13)])
    when = prices.read_dates(text, "file")
    assert pd.Series(when).is_monotonic_increasing and str(when[0])[:10] == "2020-02-01"


def test_dates_written_two_ways_that_each_read_one_way_are_read_in_order():
    when = prices.read_dates(pd.Series(["2010-04-26", "27/04/2010", "2010-04-28", "04/29/2010"]), "mixed.csv")
    assert [str(day)[:10] for day in when] == ["2010-04-26", "2010-04-27", "2010-04-28", "2010-04-29"]


def test_a_file_without_dates_is_taken_in_its_order_and_says_so(tmp_path, series, capsys):
    series[["open", "close"]].to_csv(tmp_path / "opens.csv", index=False)
    dates, opens, _ = prices.load_opening_prices(str(tmp_path / "opens.csv"), 300, 60)
    assert opens == pytest.approx(series["open"].to_numpy()) and dates[0] == "row 1"
    printed("Warning: X has no date column; its rows are taken in the order of the file, oldest "
            "first.", capsys.readouterr().err)


def test_a_date_column_without_a_single_date_is_refused(tmp_path):
    pd.DataFrame({"date": ["n/a"] * 400, "open": np.linspace(10, 50, 400)}).to_csv(
        tmp_path / "p.csv", index=False)
    with pytest.raises(Ending) as refused:
        prices.load_opening_prices(str(tmp_path / "p.csv"), 300, 60)
    printed("X: its '…' column holds no dates.", refused.value.message)


def test_numbers_with_thousands_separators():
    assert list(prices.numbers(["1,004.520", " 88.7", "--", ""])[:2]) == [1004.52, 88.7]
    assert np.isnan(prices.numbers(["--"])[0])


def test_the_stock_code_comes_from_the_file_or_its_name():
    frame = pd.DataFrame({"ts_code": ["600519.SH"]})
    assert prices.stock_code(frame, "pro.csv") == "600519"
    assert prices.stock_code(pd.DataFrame({"code": ["sh601318"]}), "x.csv") == "601318"
    assert prices.stock_code(pd.DataFrame({"open": [1.0]}), "SZ000001.csv") == "000001"
    assert prices.stock_code(pd.DataFrame({"open": [1.0]}), "my prices.csv") == "my prices"


# ## Which file a lesson reads

@pytest.mark.parametrize("where", ["another folder", "a folder with its own SH600519.csv", "--csv",
                                   "scripts/"])
def test_the_price_reader_says_which_file_it_reads(tmp_path, where, capsys, monkeypatch):
    monkeypatch.chdir(SCRIPTS if where == "scripts/" else tmp_path)  # scripts/: as PyCharm runs it
    args = argparse.Namespace(csv=None, synthetic=False, scaling="minmax", lesson="stock_rnn")
    if where == "a folder with its own SH600519.csv":
        price_table(400).to_csv(tmp_path / "SH600519.csv")
    if where == "--csv":
        price_table(400).to_csv(tmp_path / "mine.csv")
        args.csv = "mine.csv"
    args.name = prices.run_name(args)
    prices.read_prices(args)
    out = capsys.readouterr().out
    assert out.splitlines()[0] == {
        "another folder": f"Prices: {prices.COURSE_FILE} (the course's published file, beside the "
                          "scripts)",
        "a folder with its own SH600519.csv": "Prices: SH600519.csv (in the working directory; this run "
                                              "is stock_rnn_SH600519, apart from the course's prices)",
        "--csv": "Prices: mine.csv (given with --csv; this run is stock_rnn_mine, apart from the course's prices)",
        "scripts/": "Prices: SH600519.csv (the course's published file)",
    }[where]
    if where == "scripts/":
        printed("Prices: SH600519.csv (the course's published file)", out)


# The price reader's line, printed by a lesson run from the collection's folder, end to end.
def test_the_lesson_says_which_file_it_reads(window_run):
    _, stdout = window_run  # python scripts/stock_rnn.py, from a copy of the collection's folder
    assert stdout.splitlines()[0] == (f"Prices: {os.path.join('scripts', 'SH600519.csv')} "
                                      "(the course's published file, beside the scripts)")


# ## End to end: what the lesson prints for a file once trained on the wrong series

def test_on_the_course_file_persistence_is_the_published_figure(window_run):
    _, stdout = window_run  # stock_rnn from the collection's folder, on the course's prices
    printed("Prices: X (the course's published file, beside the scripts)", stdout)
    assert table_row(stdout, "persistence") == pytest.approx([384.8545, 19.6177, 14.7110], abs=5e-5)
    assert "On 600519 data, by RMSE" in stdout


# Each layout is read in date order by the price reader (test_each_layout_is_read_in_date_order);
# here a lesson evaluates what it read from one of them, tushare's Pro API's, newest first.
def test_a_file_once_trained_back_to_front_is_evaluated_in_date_order(messy_file_run):
    _, stdout, _ = messy_file_run
    assert table_row(stdout, "persistence") == pytest.approx(
        persistence_errors(messy_prices()[1]["open"]), abs=1e-4)
    assert "On 600519 data, by RMSE" in stdout  # titled by its code, MaoTai


def test_a_file_whose_dates_read_two_ways_is_refused_with_one_line(tmp_path, capsys, monkeypatch):
    pd.DataFrame({"date": both_ways(400), "open": np.linspace(10, 50, 400)}).to_csv(
        tmp_path / "p.csv", index=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(Ending) as refused:  # the lesson's read_prices line, refusing the file
        prices.read_prices(argparse.Namespace(csv="p.csv", synthetic=False))
    assert refused.value.status == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    printed("X: dates like '…' cannot be read one way (day-first or month-first, or not dates); save the "
            "file with dates like 2010-04-26.", line)
