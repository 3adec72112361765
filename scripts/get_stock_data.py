"""Download newer daily prices for the stock lessons (optional: the course's prices ship with them).

Writes a CSV in the layout of the course's file, which the stock lessons read: an unnamed
index column, then date,open,close,high,low,volume,code. The file appears only once the
download is complete.

    pip install akshare
    python scripts/get_stock_data.py                          600519, 2010-04-26 to 2020-04-26
    python scripts/get_stock_data.py --code 000001 --out SZ000001.csv

The prices come from akshare's stock_zh_a_hist (East Money's daily prices, forward-adjusted
like the course's). Where akshare is not installed, tushare's get_k_data is tried, the
lecture's way; it calls DataFrame.append, which pandas 2 removed, so it fails on the pandas
these lessons need. Forward-adjusted prices change with every dividend, so a download made
today differs from the course's file for the same days.
"""
import os

import lessonkit  # noqa: F401  (first: a problem ends the run in one line, not a traceback)
from lessonkit.commands import pip_command
from lessonkit.exits import Ending, fail, stop
from lessonkit.files import reason, write_whole
from lessonkit.flags import date, script_parser
from lessonkit.prices import COURSE_FILE

COLUMNS = ["date", "open", "close", "high", "low", "volume", "code"]
AKSHARE_COLUMNS = {"日期": "date", "开盘": "open", "收盘": "close", "最高": "high", "最低": "low",
                   "成交量": "volume"}

parser = script_parser(__doc__)
parser.add_argument("--code", default="600519", help="stock code (default: 600519, Moutai)")
parser.add_argument("--start", type=date, default="2010-04-26", help="first day, YYYY-MM-DD")
parser.add_argument("--end", type=date, default="2020-04-26", help="last day, YYYY-MM-DD")
parser.add_argument("--out", default=None,
                    help="CSV to write (default: SH600519.csv, SH or SZ by the code)")


def from_akshare(code, start, end):
    """The prices from akshare's stock_zh_a_hist, renamed to the course's columns."""
    import akshare as ak

    frame = ak.stock_zh_a_hist(symbol=code, period="daily", start_date=start.replace("-", ""),
                               end_date=end.replace("-", ""), adjust="qfq")
    frame = frame.rename(columns=AKSHARE_COLUMNS)
    frame["code"] = code
    return frame


def from_tushare(code, start, end):
    """The prices from tushare's get_k_data, the lecture's way, where it still runs."""
    import tushare as ts

    if not hasattr(ts, "get_k_data"):
        fail(f"This tushare has no get_k_data; install akshare instead: {pip_command(['akshare'])}")
    try:
        return ts.get_k_data(code, start=start, end=end)
    except AttributeError as error:
        if "append" not in str(error):
            raise
        fail("tushare's get_k_data does not run on pandas 2 (it calls DataFrame.append); "
             f"install akshare instead: {pip_command(['akshare'])}")


def download(code, start, end):
    """The table from the first source that is installed: akshare, else tushare."""
    for module, source in (("akshare", from_akshare), ("tushare", from_tushare)):
        try:
            __import__(module)
        except ImportError:
            continue
        try:
            return source(code, start, end)
        except Ending:  # the source said why it cannot serve, in its own line
            raise
        except Exception as error:  # no network, a refused or changed service
            fail(f"Could not download prices for {code} with {module} ({type(error).__name__}: "
                 f"{str(error).strip()[:150]}); check the network, or use the course's prices.")
    fail(f"Downloading needs akshare, which is not installed: {pip_command(['akshare'])}")


def write_prices_csv(frame, out):
    """Write the table in the lessons' layout, whole: through a temporary file renamed at the end."""
    missing = [column for column in COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(f"the downloaded table has no {', '.join(missing)} column")
    write_whole(out, lambda path: frame[COLUMNS].to_csv(path))


def main():
    args = parser.parse_args()
    if args.start >= args.end:
        parser.error(f"--start {args.start} is not before --end {args.end}")
    out = args.out or f"{'SH' if args.code.startswith(('6', '9')) else 'SZ'}{args.code}.csv"
    if os.path.exists(out) and os.path.samefile(out, COURSE_FILE):
        stop(f"{out} is the course's published file, which the lessons fall back on: "
             "write the download elsewhere, for example with --out SH600519-new.csv.")

    frame = download(args.code, args.start, args.end)
    if frame is None or len(frame) == 0:
        fail(f"No prices came back for {args.code} from {args.start} to {args.end}; "
             "check the code and the dates, or use the course's prices.")
    try:
        write_prices_csv(frame, out)
    except (OSError, ValueError) as error:
        fail(f"Could not write {out} ({reason(error) if isinstance(error, OSError) else error}; "
             "is it open in Excel or WPS? close it there, then run again).")
    print(f"Wrote {len(frame)} days of {args.code} to {out}")


if __name__ == "__main__":
    main()
