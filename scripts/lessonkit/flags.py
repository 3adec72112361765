"""The scripts' flags, defined once: defaults the lecture's, flags only add, no abbreviations
(`--epoch` is refused, so a command repeated back is the one meant). Run cell by cell, a lesson
has no command line of its own and runs with its defaults: the kernel's is not the lesson's."""
import argparse
import datetime
import os
import sys

from lessonkit.exits import Ending, shown
from lessonkit.platforms import lesson_globals
from lessonkit.prompt import check_word

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
                        help="ignore an existing checkpoint and train from scratch (it is replaced)")
    parser.add_argument("--no-show", action="store_true", help=NO_SHOW)
    return parser


def letter_parser(description, epochs, input_word, word_length):
    parser = lesson_parser(description, epochs)
    parser.add_argument("--predict", nargs="+", action="extend", metavar="WORD",
                        type=word_of(input_word, word_length),
                        help="print the prediction for each WORD and skip the prompts")
    parser.add_argument("--probs", action="store_true",
                        help="after each answer, the five most probable letters and their probabilities")
    parser.add_argument("--generate", type=whole_number(1), default=1, metavar="N",
                        help="answer with N letters, each predicted from the last ones seen, "
                             "the model's own answers fed back in (default: 1, the lecture's)")
    return parser


def by_hand_parser(description):
    parser = script_parser(description)
    parser.add_argument("lesson_file", metavar="lesson", nargs="?", default="rnn_onehot_4pre1",
                        help="the lesson: its name, its file or a path to it (default: rnn_onehot_4pre1)")
    parser.add_argument("input", nargs="?", default=None,
                        help="the letters to feed (default: bcde, cut to the lesson's length)")
    parser.add_argument("--no-show", action="store_true", help=NO_SHOW)
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


def letter_flags(description, epochs, input_word, time_steps):
    """A letter lesson's flags; words given with --predict checked against its letters."""
    args = parsed(letter_parser(description, epochs, input_word, time_steps))
    args.input_word, args.time_steps = input_word, time_steps
    return args


def stock_flags(description, epochs):
    """A stock lesson's flags; `args.name` keeps --synthetic and --scaling window runs apart."""
    args = parsed(stock_parser(description, epochs))
    args.name = run_name(args.lesson, args)
    return args


def parsed(parser):
    """This run's flags (none, cell by cell), Keras's layer names started again as in a new
    process (where Keras is imported already); a refused flag ends the run with argparse's lines
    and status 2."""
    lesson = lesson_globals()
    try:
        args = parser.parse_args(sys.argv[1:] if "__file__" in lesson else [])
    except SystemExit as refused:  # --help (0), or a refusal argparse has printed
        raise Ending(refused.code if isinstance(refused.code, int) else 0) from None
    path = (lesson.get("__file__") or lesson.get("__vsc_ipynb_file__") or lesson.get("__session__")
            or os.environ.get("JPY_SESSION_NAME") or "lesson")  # cell by cell: the notebook's name
    args.lesson = args.name = os.path.splitext(os.path.basename(str(path)))[0]
    keras = sys.modules.get("keras")  # the lesson's imports brought it; the by-hand pass, later
    if keras is not None:
        from lessonkit.tensorflow_start import check_keras_backend

        check_keras_backend()
        try:
            keras.backend.clear_session(free_memory=False)  # no collection of all TensorFlow loaded
        except TypeError:  # Keras before 3.4
            keras.backend.clear_session()
    return args


def run_name(lesson_name, args):
    """stock_rnn, stock_rnn_window, stock_rnn_synthetic_window: other data, other files."""
    return (lesson_name + ("_synthetic" if getattr(args, "synthetic", False) else "")
            + ("_window" if getattr(args, "scaling", "minmax") == "window" else ""))


def whole_number(minimum):
    def parse(text):
        if not (text.isascii() and text.strip().isdigit() and int(text) >= minimum):
            raise argparse.ArgumentTypeError(f"{shown(text)} is not a whole number >= {minimum}")
        return int(text)

    parse.__name__ = f"whole number >= {minimum}"
    return parse


def word_of(input_word, word_length):
    def parse(text):
        problem = check_word(text, input_word, word_length)
        if problem:
            raise argparse.ArgumentTypeError(problem)
        return text.strip().lower()

    parse.__name__ = "word"
    return parse


def date(text):
    """YYYY-MM-DD."""
    try:
        return datetime.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{shown(text)} is not a date like 2010-04-26") from None
