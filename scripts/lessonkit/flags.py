"""The scripts' command-line flags, defined once, and the name of the lesson that runs.

Defaults reproduce the lecture; flags only add. Abbreviations are refused (`--epoch` is not
`--epochs`), so that a command repeated back to the user is always the one they meant.

A lesson run as a script, or by `%run` in a notebook, reads its flags from its command line;
run cell by cell (a notebook made from it, VS Code's interactive window) it has none of its
own, and runs with its defaults: the kernel's command line is not the lesson's.
"""
import argparse
import datetime
import os
import sys

from lessonkit.exits import Ending, shown
from lessonkit.platforms import lesson_globals
from lessonkit.prompt import check_word

# The lecture's epochs, said as such in --help only where a lesson still has them.
LECTURE_EPOCHS = {"letters": 100, "stock": 50}


def script_parser(description):
    """A parser that prints the script's docstring as its --help text."""
    return argparse.ArgumentParser(description=description, allow_abbrev=False,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)


def add_no_show(parser):
    parser.add_argument("--no-show", action="store_true",
                        help="show no plot (no window, nothing inline in a notebook); "
                             "save the plots as PNG files only")


def lesson_parser(description, epochs, kind="letters"):
    """The flags of every training script."""
    parser = script_parser(description)
    whose = ", the lecture's" if epochs == LECTURE_EPOCHS[kind] else ""
    parser.add_argument("--epochs", type=whole_number(0), default=epochs, metavar="N",
                        help=f"train for N epochs (default: {epochs}{whose}); "
                             "0 only loads the checkpoint and predicts")
    parser.add_argument("--fresh", action="store_true",
                        help="ignore an existing checkpoint and train from scratch (it is replaced)")
    add_no_show(parser)
    return parser


def letter_parser(description, epochs, input_word, word_length):
    """A letter lesson's flags; words given with --predict are checked before any training."""
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
    """rnn_forward_by_hand.py's: the lesson, the letters, --no-show."""
    parser = script_parser(description)
    parser.add_argument("lesson_file", metavar="lesson", nargs="?", default="rnn_onehot_4pre1",
                        help="the lesson: its name, its file or a path to it "
                             "(default: rnn_onehot_4pre1)")
    parser.add_argument("input", nargs="?", default=None,
                        help="the letters to feed (default: bcde, cut to the lesson's length)")
    add_no_show(parser)
    return parser


def stock_parser(description, epochs):
    """A stock lesson's flags: the common ones, and where the prices come from."""
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


# ## What a lesson calls

def letter_flags(description, epochs, input_word, time_steps):
    """A letter lesson's flags, read from its command line; words given with --predict are
    checked against its letters and its time steps. `args.name` is the lesson's name."""
    args = parsed(letter_parser(description, epochs, input_word, time_steps))
    args.input_word, args.time_steps = input_word, time_steps
    return args


def stock_flags(description, epochs):
    """A stock lesson's flags, read from its command line. `args.name` names what the run
    writes: the lesson's name, with `_synthetic` for made-up prices and `_window` for
    --scaling window, so that they never replace what the lecture's run trained."""
    args = parsed(stock_parser(description, epochs))
    args.name = run_name(args.lesson, args)
    return args


def parsed(parser):
    """The flags of this run (none, run cell by cell), for a run that starts afresh.

    Keras's layer names start again from `simple_rnn`, as in a fresh process, however often a
    notebook runs a lesson. A refused flag ends the run with argparse's lines and status 2.
    """
    lesson = lesson_globals()
    try:
        args = parser.parse_args(sys.argv[1:] if "__file__" in lesson else [])
    except SystemExit as refused:  # --help (0), or a refusal argparse has printed
        raise Ending(refused.code if isinstance(refused.code, int) else 0) from None
    args.lesson = args.name = this_lesson(lesson)
    import keras

    from lessonkit.tensorflow_start import check_keras_backend

    check_keras_backend()
    try:
        keras.backend.clear_session(free_memory=False)  # no garbage collection of all TensorFlow loaded
    except TypeError:  # a Keras older than 3.4 has no free_memory
        keras.backend.clear_session()
    return args


def this_lesson(lesson):
    """The lesson's name: its file's name without .py, so that a copy is a lesson of its own.

    Run cell by cell there is no file: the notebook's name, where the frontend tells it.
    """
    path = (lesson.get("__file__") or lesson.get("__vsc_ipynb_file__") or lesson.get("__session__")
            or os.environ.get("JPY_SESSION_NAME") or "lesson")
    return os.path.splitext(os.path.basename(str(path)))[0]


def run_name(lesson_name, args):
    """The name of a run's checkpoint and files: the lesson's, with _synthetic and _window as flagged.

    Made-up prices (--synthetic) and --scaling window train other weights than the lecture's
    run, so they keep files of their own: stock_rnn, stock_rnn_window, stock_rnn_synthetic_window.
    """
    name = lesson_name
    if getattr(args, "synthetic", False):
        name += "_synthetic"
    if getattr(args, "scaling", "minmax") == "window":
        name += "_window"
    return name


# ## Types: each checks one value and says in words what is accepted

def whole_number(minimum):
    """argparse type: a whole number >= `minimum`."""
    def parse(text):
        if not (text.isascii() and text.strip().isdigit() and int(text) >= minimum):
            raise argparse.ArgumentTypeError(f"{shown(text)} is not a whole number >= {minimum}")
        return int(text)

    parse.__name__ = f"whole number >= {minimum}"
    return parse


def word_of(input_word, word_length):
    """argparse type: a word the letter lesson can take, in small letters."""
    def parse(text):
        problem = check_word(text, input_word, word_length)
        if problem:
            raise argparse.ArgumentTypeError(problem)
        return text.strip().lower()

    parse.__name__ = "word"
    return parse


def date(text):
    """argparse type: a date written YYYY-MM-DD."""
    try:
        return datetime.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{shown(text)} is not a date like 2010-04-26") from None
