"""The stock lessons' prices: the flags, the CSV file (or a synthetic stand-in), and the errors printed.

A price file is read the way a careful student would read it: rows put in date order, repeated
dates, missing or impossible opening prices dropped, each with one warning line; a file that
cannot teach anything ends the script with one line and status 2.
"""
import math
import os
import sys

import numpy as np

from startup import base_parser, stop


def parse_stock_args(description, epochs):
    """Flags of a stock lesson: the common ones, and where the prices come from."""
    parser = base_parser(description, epochs)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--csv", default="SH600519.csv", metavar="PATH",
                        help="daily prices in tushare's CSV layout (default: SH600519.csv here)")
    source.add_argument("--synthetic", action="store_true",
                        help="use a made-up, deterministic price series instead of a CSV (offline)")
    return parser.parse_args()


def stock_name(code):
    """How the plot names the series: the lecture's 'MaoTai' for 600519, else the code."""
    return {"600519": "MaoTai", "synthetic": "Synthetic"}.get(code, code)


def synthetic_prices(rows=2426, seed=7):
    """A made-up daily price table in tushare's layout: a random walk in log price.

    A small upward drift and about 1.8 % daily volatility, one row per business day from
    2010-04-26; the same seed gives the same table.
    """
    import pandas as pd

    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0.0005, 0.018, rows)))
    open_ = np.r_[100, close[:-1]] * np.exp(rng.normal(0, 0.006, rows))
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0, 0.008, rows)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0, 0.008, rows)))
    return pd.DataFrame({
        "date": pd.bdate_range("2010-04-26", periods=rows).strftime("%Y-%m-%d"),
        "open": open_.round(3), "close": close.round(3), "high": high.round(3),
        "low": low.round(3), "volume": rng.lognormal(11, 0.5, rows).round(2), "code": "synthetic",
    })


def read_price_file(csv_path):
    """The table in a tushare-layout CSV file; a file that cannot be read ends the script."""
    import pandas as pd

    if not os.path.isfile(csv_path):
        stop(f"No price file {csv_path}: download it with python scripts/get_stock_data.py, "
             "or run the lesson offline with --synthetic.")
    try:
        frame = pd.read_csv(csv_path)
    except pd.errors.EmptyDataError:
        stop(f"{csv_path} is empty: download it again with python scripts/get_stock_data.py.")
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as error:
        stop(f"Cannot read {csv_path} as a CSV file ({str(error).strip()[:120]}).")
    if "open" not in frame.columns:
        stop(f"{csv_path} has no 'open' column (it has: {', '.join(map(str, frame.columns))[:200]}); "
             "expected tushare's layout: date,open,close,high,low,volume,code.")
    return frame


def warn(message):
    print(f"Warning: {message}", file=sys.stderr)


def listing(labels, limit=10):
    """'2020-01-02, 2020-01-03 and 5 more'."""
    labels = [str(label) for label in labels]
    more = f" and {len(labels) - limit} more" if len(labels) > limit else ""
    return ", ".join(labels[:limit]) + more


def in_date_order(frame, source):
    """The rows sorted by date where they are not; repeated dates kept once. Warns of each."""
    import pandas as pd

    if "date" not in frame.columns:
        return frame
    when = pd.to_datetime(frame["date"].astype(str), errors="coerce", format="mixed")
    if when.isna().any():
        warn(f"{source}: {when.isna().sum()} rows have a date that cannot be read "
             f"({listing(frame['date'][when.isna()])}); the rows are used in the order of the file.")
        return frame
    if not when.is_monotonic_increasing:
        newest_first = when.is_monotonic_decreasing
        warn(f"{source}: the rows are not in date order"
             f"{' (newest first)' if newest_first else ''}; sorted oldest first.")
        order = np.argsort(when.to_numpy(), kind="stable")
        frame, when = frame.iloc[order].reset_index(drop=True), when.iloc[order].reset_index(drop=True)
    repeated = when.duplicated(keep="first").to_numpy()
    if repeated.any():
        warn(f"{source}: dropped {repeated.sum()} rows whose date comes again "
             f"({listing(frame['date'][repeated])}); the first row of each date is kept.")
        frame = frame[~repeated].reset_index(drop=True)
    return frame


def load_opening_prices(csv_path, synthetic, test_days, time_steps):
    """(dates, opening prices, stock code or 'synthetic') from a tushare-layout CSV or made up.

    Rows whose opening price is missing, not a number, zero or negative are dropped with a warning;
    a file that cannot be used ends the script with one line saying why and what to do.
    """
    import pandas as pd

    if synthetic:
        frame, code, source = synthetic_prices(), "synthetic", "the synthetic series"
        print(f"Using synthetic prices: a made-up random walk of {len(frame)} business days from "
              f"{frame['date'].iloc[0]}, not a real stock.")
    else:
        frame, source = read_price_file(csv_path), csv_path
        text = str(frame["code"].iloc[0]) if "code" in frame.columns and len(frame) else ""
        code = text.zfill(6) if text.isdigit() else (text or os.path.basename(csv_path))
        frame = in_date_order(frame, source)
    dates = (frame["date"].astype(str) if "date" in frame.columns
             else pd.Series([f"row {i + 1}" for i in range(len(frame))]))
    opens = pd.to_numeric(frame["open"], errors="coerce").to_numpy(dtype=float)
    bad = ~(np.isfinite(opens) & (opens > 0))
    if bad.any():
        warn(f"dropped {bad.sum()} rows of {source} whose opening price is missing, not a number, "
             f"zero or negative: {listing(dates[bad])}.")
    dates, opens = dates[~bad].to_numpy(), opens[~bad]
    needed_rows = test_days + time_steps + 1
    if len(opens) < needed_rows:
        stop(f"{source} has {len(opens)} usable rows; the lesson needs at least {needed_rows} "
             f"(a {test_days}-day test set, and {time_steps}-day windows before the first "
             "training label).")
    training = opens[:-test_days]
    if training.max() == training.min():
        stop(f"{source}: every training day opens at {training[0]:g}, so there is nothing to learn "
             "(and no range to scale to 0-1); use a file whose prices move.")
    return dates, opens, code


def print_errors(real_stock_price, predicted_stock_price, persistence, code):
    """The lecture's three lines for the model, then the model beside persistence, and a verdict."""
    from sklearn.metrics import mean_absolute_error, mean_squared_error

    errors = {}
    for predictor, predicted in (("model", predicted_stock_price), ("persistence", persistence)):
        mse = mean_squared_error(predicted, real_stock_price)
        errors[predictor] = (mse, math.sqrt(mse), mean_absolute_error(predicted, real_stock_price))
    mse, rmse, mae = errors["model"]
    print("均方误差: %.6f" % mse)  # mean squared error, MSE
    print("均方根误差: %.6f" % rmse)  # its square root, RMSE, in the price's own unit
    print("平均绝对误差: %.6f" % mae)  # mean absolute error, MAE

    print(f"{'':12}{'MSE':>12}{'RMSE':>12}{'MAE':>12}")
    for name, values in errors.items():
        print(f"{name:<12}" + "".join(f"{value:12.4f}" for value in values))
    model_rmse, persistence_rmse = errors["model"][1], errors["persistence"][1]
    if model_rmse < persistence_rmse:
        print(f"On {code} data, by RMSE the model beats persistence "
              f"({model_rmse:.2f} against {persistence_rmse:.2f}).")
    else:
        print(f"On {code} data, by RMSE persistence beats the model ({persistence_rmse:.2f} "
              f"against {model_rmse:.2f}): it has learned little beyond 'tomorrow looks like today'.")
    return errors
