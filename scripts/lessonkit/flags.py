"""The scripts' flags, defined once: the lecture's defaults, flags only add, no abbreviations (a command
repeated back is the one meant); cell by cell a lesson runs with its defaults, not the kernel's argv."""
import argparse
import ast
import contextlib
import datetime
import os
import re
import sys

from lessonkit.exits import Ending, shown
from lessonkit.platforms import lesson_globals

LECTURE_EPOCHS = {"letters": 100, "stock": 50}  # said as the lecture's in --help only where kept
NO_SHOW = "show no plot (no window, nothing inline in a notebook); save the plots as PNG files only"


def script_parser(description):
    return argparse.ArgumentParser(description=description, allow_abbrev=False,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)


def lesson_parser(description, epochs, kind="letters"):
    parser = script_parser(description)
    whose = ", the lecture's" if epochs == LECTURE_EPOCHS[kind] else ""
    parser.add_argument("--epochs", type=whole_number(0), default=epochs, metavar="N",
                        help=f"train for N epochs (default: {epochs}{whose}); "
                             "0 only loads the checkpoint and predicts")
    parser.add_argument("--fresh", action="store_true",
                        help="train from scratch; an existing checkpoint is kept aside, dated")
    parser.add_argument("--no-show", action="store_true", help=NO_SHOW)
    return parser


def letter_parser(description, epochs):
    parser = lesson_parser(description, epochs)
    parser.add_argument("--predict", nargs="+", action="extend", metavar="WORD",
                        help="print the prediction for each WORD and skip the prompts")
    parser.add_argument("--probs", action="store_true",
                        help="after each answer, the five most probable letters and their probabilities")
    parser.add_argument("--generate", type=whole_number(1), default=1, metavar="N",
                        help="answer with N letters, each predicted from the last ones seen, "
                             "the model's own answers fed back in (default: 1, the lecture's)")
    return parser


def stock_parser(description, epochs):
    parser = lesson_parser(description, epochs, kind="stock")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--csv", metavar="PATH",
                        help="a daily price file (default: SH600519.csv in the working directory "
                             "if there is one, else the course's file beside the scripts)")
    source.add_argument("--synthetic", action="store_true",
                        help="use a made-up, deterministic price series instead of a file")
    parser.add_argument("--scaling", choices=("minmax", "window"), default="minmax",
                        help="how prices are scaled for the network: minmax (default, the "
                             "lecture's) maps them to 0-1 with a MinMaxScaler fitted on the "
                             "training days; window divides each window by its own last price, "
                             "so the network learns the next day's change")
    return parser


def letter_flags(description, epochs):
    """A letter lesson's flags; `args.name` is the lesson's: its file's, or its notebook's."""
    return parsed(letter_parser, description, epochs)


def stock_flags(description, epochs):
    """A stock lesson's flags; `args.name` keeps a run on other prices or recipes apart from the course's."""
    from lessonkit.prices import run_name

    args = parsed(stock_parser, description, epochs)
    args.name = run_name(args)
    return args


def parsed(make_parser, description, epochs):
    """This run's flags (none, cell by cell); a refused flag ends the run with argparse's lines, status 2."""
    lesson, cell_doc = lesson_globals(), None
    if "__file__" not in lesson:  # a notebook: the docstring the cell run (or an earlier one) opens with
        for source in reversed(lesson.get("_ih") or []):
            with contextlib.suppress(SyntaxError):  # a cell with IPython's magics
                cell_doc = ast.get_docstring(ast.parse(source))
            if cell_doc:
                break
    try:
        args = make_parser(cell_doc or description, epochs).parse_args(
            sys.argv[1:] if "__file__" in lesson else [])
    except SystemExit as refused:  # --help (0), or a refusal argparse has printed
        raise Ending(refused.code if isinstance(refused.code, int) else 0) from None
    # The lesson file's name; cell by cell, the notebook's (Jupyter and VS Code tell the kernel),
    # else the lesson's own, as its docstring's command line gives it.
    path = (lesson.get("__file__") or lesson.get("__vsc_ipynb_file__") or lesson.get("__session__")
            or os.environ.get("JPY_SESSION_NAME"))
    named = re.search(r"(\w+)\.py\b", cell_doc or "")
    args.lesson = args.name = (os.path.splitext(os.path.basename(str(path)))[0] if path
                               else named.group(1) if named else "lesson")
    keras = sys.modules.get("keras")
    if keras is not None:
        try:  # Keras's layer names start again, as in a new process; no collection of all TensorFlow
            keras.backend.clear_session(free_memory=False)
        except TypeError:  # Keras before 3.4
            keras.backend.clear_session()
    return args


def whole_number(minimum):
    def parse(text):
        if not (text.isascii() and text.strip().isdigit() and int(text) >= minimum):
            raise argparse.ArgumentTypeError(f"{shown(text)} is not a whole number >= {minimum}")
        return int(text)

    parse.__name__ = f"whole number >= {minimum}"  # argparse names it should int() refuse (4300+ digits)
    return parse


def date(text):
    try:
        return datetime.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{shown(text)} is not a date like 2010-04-26") from None
