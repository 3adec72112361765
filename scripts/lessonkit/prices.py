"""The stock lessons' prices: which file, read right in the layouts students get (tushare, newest first,
Chinese headers, and what Excel makes of them: a byte order mark, GBK, day- or month-first dates,
thousands separators), or made up; docs/prices.md lists what is dropped or refused."""
import contextlib
import filecmp
import io
import os
import re
import sys

import numpy as np

from lessonkit.commands import shown_path
from lessonkit.exits import shown, stop

COURSE_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "SH600519.csv")
LECTURE_FILE_NAME = "SH600519.csv"
COLUMNS = {"date": ("date", "trade_date", "日期", "交易日期", "时间"),  # compared in small letters
           "open": ("open", "开盘", "开盘价", "今开"),
           "code": ("code", "ts_code", "股票代码", "代码", "symbol")}
NAMES = {"600519": "MaoTai", "synthetic": "Synthetic"}  # the lecture's name for the course's stock


def warn(message):
    print(f"Warning: {message}", file=sys.stderr)


def find_price_file(csv_path=None):
    """(the path to read, why that one): --csv PATH, else SH600519.csv in the working directory (the
    lecture's way), else the course's file beside the scripts."""
    if csv_path:
        return csv_path, "given with --csv"
    if os.path.isfile(LECTURE_FILE_NAME):
        return LECTURE_FILE_NAME, ("the course's published file" if is_the_course_file(LECTURE_FILE_NAME)
                                   else "in the working directory")
    return shown_path(COURSE_FILE), "the course's published file, beside the scripts"


def is_the_course_file(path):
    try:
        return filecmp.cmp(path, COURSE_FILE, shallow=False)
    except OSError:
        return False


def run_name(args):
    """The lesson's name, and for other prices or recipes theirs, so that it never resumes or replaces
    what the course's prices trained: stock_rnn_我的股票, stock_rnn_synthetic, stock_rnn_window."""
    name = args.lesson
    if args.synthetic:
        name += "_synthetic"
    else:
        path, _ = find_price_file(args.csv)
        if os.path.isfile(path) and not is_the_course_file(path):
            name += "_" + re.sub(r"\W+", "_", os.path.splitext(os.path.basename(path))[0]).strip("_")
    return name + ("_window" if args.scaling == "window" else "")


def read_prices(args, test_days=300, time_steps=60):
    """The lecture's `pd.read_csv('./SH600519.csv')`, read right: the course file's columns (`open` is
    column 2), oldest day first, with `.attrs["code"]` (600519) and `.attrs["name"]` (MaoTai)."""
    import pandas as pd

    if args.synthetic:
        (dates, opens), code = synthetic_prices(), "synthetic"
        print(f"Using synthetic prices: a made-up random walk of {len(opens)} business days from "
              f"{dates[0]}, not a real stock.")
    else:
        path, why = find_price_file(args.csv)
        apart = (f"; this run is {args.name}, apart from the course's prices"
                 if getattr(args, "name", None) not in (None, getattr(args, "lesson", None))
                 and not is_the_course_file(path) else "")
        print(f"Prices: {path} ({why}{apart})")
        dates, opens, code = load_opening_prices(path, test_days, time_steps)
    table = pd.DataFrame({"": range(len(opens)), "date": dates, "open": opens})
    table.attrs.update(code=code, name=NAMES.get(code, code))
    return table


def read_price_table(csv_path):
    """The file's table, every cell as text: UTF-8 (a byte order mark or not) or GBK (Chinese
    Excel's), separated by what its first line has most of; or one line saying why not."""
    import pandas as pd

    if not os.path.isfile(csv_path):
        stop(f"No price file {csv_path}: check the path, or leave out --csv to use the course's prices.")
    with open(csv_path, "rb") as file:
        raw = file.read()
    for encoding in ("utf-8-sig", "gb18030"):
        with contextlib.suppress(UnicodeDecodeError):
            text = raw.decode(encoding)
            break
    else:
        stop(f"Cannot read {csv_path}: it is neither UTF-8 nor GBK text "
             "(is it a spreadsheet? save it as CSV).")
    if not text.strip():
        stop(f"{csv_path} is empty: download it again, or leave out --csv to use the course's prices.")
    separator = max((",", "\t", ";"), key=text.lstrip().splitlines()[0].count)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=separator, dtype=str, keep_default_na=False,
                            skipinitialspace=True)
    except (pd.errors.ParserError, ValueError) as error:
        stop(f"Cannot read {csv_path} as a CSV file ({str(error).strip()[:120]}).")
    frame.columns = [str(column).strip() for column in frame.columns]
    return frame


def column_for(frame, role):
    return next((column for column in frame.columns if column.lower() in COLUMNS[role]), None)


def numbers(values):
    """Floats, thousands separators and spaces taken out; NaN for what is no number."""
    import pandas as pd

    text = pd.Series(values, dtype=str).str.replace(r"[\s,]", "", regex=True)
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)


def read_dates(values, source):
    """Every date read one way, by pandas; where day-first and month-first both read them all
    and differ, the one that puts the rows in order wins; if both or neither, refused."""
    import pandas as pd

    text = (pd.Series(values, dtype=str).str.strip().str.split(" ").str[0]  # "2010-04-26 00:00:00"
            .str.replace(r"[年月]", "-", regex=True).str.replace("日", ""))
    readings = []
    for dayfirst in (False, True):
        try:
            when = pd.to_datetime(text, format="mixed", dayfirst=dayfirst)
        except (ValueError, OverflowError):
            continue
        if not any(when.equals(other) for other in readings):
            readings.append(when)
    ordered = [when for when in readings if when.is_monotonic_increasing or when.is_monotonic_decreasing]
    if not readings or (len(readings) > 1 and len(ordered) != 1):
        stop(f"{source}: dates like {shown(text.iloc[0])} cannot be read one way (day-first or "
             "month-first, or not dates); save the file with dates like 2010-04-26.")
    return (ordered[0] if len(readings) > 1 else readings[0]).to_numpy()


def stock_code(frame, csv_path):
    """600519 from a code column (600519, '600519.SH', 'sh600519') or the file name."""
    column = column_for(frame, "code")
    text = str(frame[column].iloc[0]).strip() if column and len(frame) else ""
    digits = re.search(r"\d{6}", text) or re.search(r"\d{6}", os.path.basename(csv_path))
    return digits.group(0) if digits else text or os.path.splitext(os.path.basename(csv_path))[0]


def load_opening_prices(csv_path, test_days, time_steps):
    """(dates, opening prices, code), oldest first; rows of no date, a repeated date, or no
    usable opening price dropped, each kind with a warning line."""
    frame = read_price_table(csv_path)
    source, open_column, date_column = csv_path, column_for(frame, "open"), column_for(frame, "date")
    if open_column is None:
        stop(f"{source} has no opening prices: no 'open' or '开盘' column (it has: "
             f"{', '.join(map(str, frame.columns))[:200]}).")
    code, opens = stock_code(frame, csv_path), numbers(frame[open_column])
    if date_column is None:
        warn(f"{source} has no date column; its rows are taken in the order of the file, oldest first.")
        dates = np.array([f"row {i + 1}" for i in range(len(frame))])
    else:
        dates, opens = dated_rows(frame[date_column], opens, date_column, source)
    bad = ~(np.isfinite(opens) & (opens > 0))
    if bad.any():
        warn(f"dropped {bad.sum()} rows of {source} whose opening price is missing, not a number, "
             f"zero or negative: {listing(dates[bad])}.")
    dates, opens = dates[~bad], opens[~bad]
    needed_rows = test_days + time_steps + 1
    if len(opens) < needed_rows:
        stop(f"{source} has {len(opens)} usable rows; the lesson needs at least {needed_rows} "
             f"(a {test_days}-day test set, and {time_steps}-day windows before the first "
             "training label).")
    if opens[:-test_days].max() == opens[:-test_days].min():
        stop(f"{source}: every training day opens at {opens[0]:g}, so there is nothing to learn "
             "(and no range to scale to 0-1); use a file whose prices move.")
    return dates, opens, code


def dated_rows(column, opens, date_column, source):
    """(ISO dates, opens) in date order, each date once."""
    values = column.astype(str).str.strip()
    not_dates = ~values.str.contains(r"\d", regex=True)
    if not_dates.all():
        stop(f"{source}: its '{date_column}' column holds no dates.")
    if not_dates.any():
        warn(f"{source}: dropped {not_dates.sum()} rows whose '{date_column}' is no date "
             f"({listing(values[not_dates].map(repr))}).")
        opens, values = opens[~not_dates.to_numpy()], values[~not_dates]
    when = read_dates(values, source)
    order = np.argsort(when, kind="stable")
    if (order != np.arange(len(order))).any():
        newest_first = (np.diff(when.astype("int64")) <= 0).all()
        warn(f"{source}: the rows are not in date order{' (newest first)' if newest_first else ''}; "
             "sorted oldest first.")
        when, opens = when[order], opens[order]
    dates = np.datetime_as_string(when, unit="D")
    repeated = np.r_[False, dates[1:] == dates[:-1]]
    if repeated.any():
        warn(f"{source}: dropped {repeated.sum()} rows whose date comes again "
             f"({listing(dates[repeated])}); the first row of each date is kept.")
        dates, opens = dates[~repeated], opens[~repeated]
    return dates, opens


def listing(labels, limit=10):
    """'2020-01-02, 2020-01-03 and 5 more'."""
    labels = [str(label) for label in labels]
    return ", ".join(labels[:limit]) + (f" and {len(labels) - limit} more" if len(labels) > limit else "")


def synthetic_prices(rows=2426, seed=7):
    """(dates, opening prices): a random walk in log price, a business day a row from 2010-04-26."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0.0005, 0.018, rows)))
    opens = np.r_[100, close[:-1]] * np.exp(rng.normal(0, 0.006, rows))
    return pd.bdate_range("2010-04-26", periods=rows).strftime("%Y-%m-%d").to_numpy(), opens.round(3)
