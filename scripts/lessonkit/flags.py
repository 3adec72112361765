"""The scripts' flags, defined once: defaults the lecture's, flags only add, no abbreviations
(`--epoch` is refused, so a command repeated back is the one meant). Run cell by cell, a lesson
has no command line of its own and runs with its defaults: the kernel's is not the lesson's."""
import argparse
import ast
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
    """A stock lesson's flags; `args.name` keeps a run on other prices (--csv, --synthetic) or
    another recipe (--scaling window) apart from the course's: stock_rnn_prices_window."""
    from lessonkit.prices import run_name

    args = parsed(stock_parser, description, epochs)
    args.name = run_name(args)
    return args


def parsed(make_parser, description, epochs):
    """This run's flags (none, cell by cell); a refused flag ends the run with argparse's lines and
    status 2. Keras's layer names start again as in a new process, where Keras is imported."""
    lesson = lesson_globals()
    cell_doc = None if "__file__" in lesson else notebook_docstring(lesson)
    try:
        args = make_parser(cell_doc or description, epochs).parse_args(
            sys.argv[1:] if "__file__" in lesson else [])
    except SystemExit as refused:  # --help (0), or a refusal argparse has printed
        raise Ending(refused.code if isinstance(refused.code, int) else 0) from None
    args.lesson = args.name = lesson_name(lesson, cell_doc)
    keras = sys.modules.get("keras")
    if keras is not None:
        from lessonkit.tensorflow_start import check_keras_backend

        check_keras_backend()
        try:
            keras.backend.clear_session(free_memory=False)  # no collection of all TensorFlow loaded
        except TypeError:  # Keras before 3.4
            keras.backend.clear_session()
    return args


def lesson_name(lesson, cell_doc=None):
    """The lesson file's name; cell by cell, the notebook's (Jupyter and VS Code tell the
    kernel), else the lesson's own, as its docstring's command line gives it."""
    path = (lesson.get("__file__") or lesson.get("__vsc_ipynb_file__") or lesson.get("__session__")
            or os.environ.get("JPY_SESSION_NAME"))
    if path:
        return os.path.splitext(os.path.basename(str(path)))[0]
    named = re.search(r"(\w+)\.py\b", cell_doc or "")
    return named.group(1) if named else "lesson"


def notebook_docstring(lesson):
    """In a notebook, the docstring the cell being run (or an earlier one) opens with."""
    for source in reversed(lesson.get("_ih") or []):
        try:
            doc = ast.get_docstring(ast.parse(source))
        except SyntaxError:  # a cell with IPython's magics
            continue
        if doc:
            return doc
    return None


def whole_number(minimum):
    def parse(text):
        if not (text.isascii() and text.strip().isdigit() and int(text) >= minimum):
            raise argparse.ArgumentTypeError(f"{shown(text)} is not a whole number >= {minimum}")
        return int(text)

    parse.__name__ = f"whole number >= {minimum}"
    return parse


def date(text):
    """YYYY-MM-DD."""
    try:
        return datetime.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{shown(text)} is not a date like 2010-04-26") from None
