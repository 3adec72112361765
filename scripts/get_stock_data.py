"""Download daily prices for the stock lessons, the lecture's way: tushare's get_k_data.

Writes a CSV in the layout the stock scripts read: an unnamed index column, then
date,open,close,high,low,volume,code. The file appears only once the download is complete.

    pip install tushare
    python scripts/get_stock_data.py                          600519, 2010-04-26 to 2020-04-26
    python scripts/get_stock_data.py --code 000001 --out SZ000001.csv

tushare's get_k_data still calls DataFrame.append, which pandas 2 removed. Where it fails for
that reason, or where tushare no longer has get_k_data, the prices come from akshare's
stock_zh_a_hist (East Money, forward-adjusted like get_k_data) instead: pip install akshare.
"""
import argparse
import datetime
import os
import sys

from startup import run_main

COLUMNS = ["date", "open", "close", "high", "low", "volume", "code"]
AKSHARE_COLUMNS = {"日期": "date", "开盘": "open", "收盘": "close", "最高": "high", "最低": "low",
                   "成交量": "volume"}


def give_up(message):
    """One line on stderr, exit status 1: nothing was written."""
    print(message, file=sys.stderr)
    sys.exit(1)


def day(text):
    """argparse type: a date written YYYY-MM-DD."""
    try:
        return datetime.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a date like 2010-04-26") from None


def from_tushare(code, start, end):
    """The prices from tushare's get_k_data; None where that function cannot serve here."""
    try:
        import tushare as ts
    except ImportError:
        give_up("tushare is not installed: pip install tushare")
    if not hasattr(ts, "get_k_data"):
        print("This tushare has no get_k_data; trying akshare instead.", file=sys.stderr)
        return None
    try:
        return ts.get_k_data(code, start=start, end=end)
    except AttributeError as error:
        if "append" not in str(error):
            raise
        print("tushare's get_k_data does not run on pandas 2 (it calls DataFrame.append); "
              "trying akshare instead.", file=sys.stderr)
        return None


def from_akshare(code, start, end):
    """The prices from akshare's stock_zh_a_hist, renamed to tushare's columns."""
    try:
        import akshare as ak
    except ImportError:
        give_up("tushare cannot fetch prices here and akshare is not installed: pip install akshare")
    frame = ak.stock_zh_a_hist(symbol=code, period="daily", start_date=start.replace("-", ""),
                               end_date=end.replace("-", ""), adjust="qfq")
    frame = frame.rename(columns=AKSHARE_COLUMNS)
    frame["code"] = code
    return frame


def write_prices_csv(frame, out):
    """Write the table in the lessons' layout, through a temporary file renamed at the end."""
    missing = [column for column in COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(f"the downloaded table has no {', '.join(missing)} column")
    temporary = f"{out}.partial"
    try:
        frame[COLUMNS].to_csv(temporary)
        os.replace(temporary, out)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--code", default="600519", help="stock code (default: 600519, Moutai)")
    parser.add_argument("--start", type=day, default="2010-04-26", help="first day, YYYY-MM-DD")
    parser.add_argument("--end", type=day, default="2020-04-26", help="last day, YYYY-MM-DD")
    parser.add_argument("--out", default=None,
                        help="CSV to write (default: SH600519.csv, SH or SZ by the code)")
    args = parser.parse_args()
    if args.start >= args.end:
        parser.error(f"--start {args.start} is not before --end {args.end}")
    out = args.out or f"{'SH' if args.code.startswith(('6', '9')) else 'SZ'}{args.code}.csv"

    try:
        frame = from_tushare(args.code, args.start, args.end)
        if frame is None:
            frame = from_akshare(args.code, args.start, args.end)
    except Exception as error:  # no network, a refused or changed service
        give_up(f"Could not download prices for {args.code} ({type(error).__name__}: "
                f"{str(error).strip()[:150]}); check the network, or run the lessons with --synthetic.")
    if frame is None or len(frame) == 0:
        give_up(f"No prices came back for {args.code} from {args.start} to {args.end}; "
                "check the code and the dates, or run the lessons with --synthetic.")
    try:
        write_prices_csv(frame, out)
    except (OSError, ValueError) as error:
        give_up(f"Could not write {out}: {error}")
    print(f"Wrote {len(frame)} days of {args.code} to {out}")


if __name__ == "__main__":
    run_main(main)
