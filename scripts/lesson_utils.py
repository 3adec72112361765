"""Plumbing shared by the lesson scripts: flags, checkpoints, weight dumps, curves, prompts.

Each function has one job. The lesson scripts call them so that what a student reads there
is the lesson itself. TensorFlow is imported only inside the functions that need it, so that
`--help` and bad flags answer at once.
"""
import argparse
import contextlib
import os
import signal
import sys
import warnings

import numpy as np

# TensorFlow's C++ start-up messages (no GPU found, and the like) only confuse a classroom.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

NON_INTERACTIVE_BACKENDS = {"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"}


# ## Flags

def base_parser(description, epochs):
    """The flags every lesson script has; its defaults reproduce the lecture."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=non_negative_int, default=epochs, metavar="N",
                        help=f"train for N epochs (default: {epochs}, the lecture's); "
                             "0 only loads and predicts")
    parser.add_argument("--fresh", action="store_true",
                        help="ignore an existing checkpoint and train from scratch (it is replaced)")
    parser.add_argument("--no-show", action="store_true",
                        help="never open a plot window; save the plots as PNG files only")
    return parser


def parse_letter_args(description, input_word, word_length, epochs):
    """Flags of a letter lesson; words given with --predict are checked before any training."""
    parser = base_parser(description, epochs)
    parser.add_argument("--predict", nargs="+", metavar="WORD",
                        help="print the prediction for each WORD and skip the prompts")
    args = parser.parse_args()
    for word in args.predict or []:
        problem = check_word(word, input_word, word_length)
        if problem:
            parser.error(f"--predict {word!r}: {problem}")
    if args.predict:
        args.predict = [word.strip().lower() for word in args.predict]
    return args


def non_negative_int(text):
    """argparse type: a whole number >= 0."""
    if not (text.isascii() and text.strip().isdigit()):
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 0")
    return int(text)


def run_main(main):
    """Run a script's main() so that a user never sees a traceback.

    Ctrl-C outside training ends with status 130, anything unexpected with one line and status 1.
    """
    try:
        main()
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        sys.exit(130)
    except Exception as error:  # the last safety net for a classroom: one line, no traceback
        print(f"Error: {type(error).__name__}: {first_line(error, 200)}", file=sys.stderr)
        sys.exit(1)


def why_not_loaded(error):
    """What a failed load_weights means, in a student's words."""
    if isinstance(error, ValueError):  # Keras: the shapes or layers do not match
        return "its weights do not fit this model: written by another one"
    if isinstance(error, OSError):  # h5py: truncated, or not an HDF5 file at all
        return "the file is damaged or not a weights file"
    return first_line(error)


def first_line(error, length=120):
    """An error's message cut to one short line, or its type where it has no message."""
    lines = str(error).strip().splitlines()
    return lines[0][:length] if lines else type(error).__name__


def import_tensorflow(seed=7):
    """Import TensorFlow (slow, so only once a script knows it will train) and seed everything.

    `keras.utils.set_random_seed` seeds Python, NumPy and TensorFlow; in Keras 3 that is what
    makes `tf.random.set_seed(7)` of the lecture reproducible again.
    """
    with c_level_stderr_silenced():  # "could not find cuda drivers" and the like
        import tensorflow as tf
    try:
        # The lessons' matrices are small: splitting one product over cores costs more than it
        # saves (an LSTM epoch of the stock lesson: 3.9 s on 2 cores, 2.1 s on 1 per operation).
        tf.config.threading.set_intra_op_parallelism_threads(1)
    except RuntimeError:
        pass  # TensorFlow is already running with the threads it was given
    tf.keras.utils.set_random_seed(seed)
    return tf


@contextlib.contextmanager
def c_level_stderr_silenced():
    """Send what C++ code writes to stderr to /dev/null; Python errors still surface after."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def progress_verbosity():
    """Keras's progress bar in a terminal; one plain line per epoch in a pipe or a log file."""
    return "auto" if sys.stdout.isatty() else 2


# ## Training: the data pipeline, 断点续训 (resume from checkpoint) and the best weights

def prepare_fit(model, x_train, y_train, batch_size, seed=7):
    """Give fit a cached tf.data pipeline and create the optimizer's and metrics' variables now.

    Does what fit(x_train, y_train, batch_size=...) does (the samples reshuffled at every epoch,
    then batched), but `fit` then traces its training step once instead of twice and does not
    convert the arrays again at every epoch: the same lesson in a fraction of the time.
    """
    import tensorflow as tf

    # The dataset shuffles itself; fit's own shuffle=True default does not apply to datasets.
    warnings.filterwarnings("ignore", message="`shuffle=True` was passed")
    model.optimizer.build(model.trainable_variables)
    model.compute_metrics(x_train, y_train, model(x_train), sample_weight=None)
    model.reset_metrics()
    return (tf.data.Dataset.from_tensor_slices((x_train, y_train)).cache()
            .shuffle(len(x_train), seed=seed, reshuffle_each_iteration=True).batch(batch_size))


def cached_batches(x, y, batch_size):
    """Validation data as a cached tf.data pipeline: what fit(validation_data=(x, y)) does, once."""
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size).cache()


def resume_from_checkpoint(model, checkpoint_save_path, fresh=False):
    """Load saved weights into the model when there are some; True if loaded.

    The model must be built, and its optimizer too (prepare_fit does it), so that the file's
    optimizer state (Adam's moments) is resumed along with the weights.

    A file that does not load (damaged, or written by another model) is reported and left to be
    replaced by this run's best weights; the model then starts from its fresh initial weights.
    """
    if not os.path.exists(checkpoint_save_path):
        return False
    if fresh:
        print(f"Ignoring {checkpoint_save_path} (--fresh): training from scratch, it will be replaced.")
        return False
    initial_weights = model.get_weights()
    initial_optimizer_state = [v.numpy() for v in model.optimizer.variables]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Keras warns, then raises; the one line below is enough
            model.load_weights(checkpoint_save_path)
    except Exception as error:
        # A failed load can leave some layers, or the optimizer, half-loaded: undo it.
        model.set_weights(initial_weights)
        for variable, value in zip(model.optimizer.variables, initial_optimizer_state):
            variable.assign(value)
        print(f"Warning: cannot load {checkpoint_save_path} ({why_not_loaded(error)}); "
              "training from scratch, it will be replaced.")
        return False
    print(f"Loading the model from {checkpoint_save_path} (resuming training, 断点续训)")
    return True


def save_weights_atomically(model, path):
    """Write the weights beside `path` first, then rename: a killed run never leaves half a file."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    temporary = path[: -len(".weights.h5")] + f".partial-{os.getpid()}.weights.h5"
    try:
        model.save_weights(temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


@contextlib.contextmanager
def keep_best_weights(model, checkpoint_save_path, monitor="loss", restore_best=True):
    """A callback that keeps the best weights by `monitor`, and writes them once, however training ends.

    Like ModelCheckpoint(save_best_only=True, save_weights_only=True), but the best weights are held
    in memory and written when the `with` block ends: normally, by Ctrl-C, or by SIGTERM. With
    `restore_best` the model then holds those best weights, so what is saved, dumped and queried is
    the same; without, it keeps the weights of its last epoch.
    """
    import keras

    class BestWeights(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.best, self.best_epoch, self.best_weights, self.epochs_done = np.inf, None, None, 0

        def on_epoch_end(self, epoch, logs=None):
            self.epochs_done = epoch + 1
            value = (logs or {}).get(monitor)
            if value is not None and value < self.best:
                self.best, self.best_epoch = float(value), epoch + 1
                self.best_weights = [w.copy() for w in self.model.get_weights()]

    def stop_training(signum, frame):
        raise KeyboardInterrupt

    callback = BestWeights()
    # A termination signal, or the terminal closing, ends training as Ctrl-C does.
    stopping_signals = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous_handlers = {s: signal.signal(s, stop_training) for s in stopping_signals}
    interrupted = False
    try:
        yield callback
    except KeyboardInterrupt:
        interrupted = True
    finally:
        for s, handler in previous_handlers.items():
            signal.signal(s, handler)
        if callback.best_weights is not None:
            last_weights = model.get_weights()
            model.set_weights(callback.best_weights)
            save_weights_atomically(model, checkpoint_save_path)
            if not restore_best:
                model.set_weights(last_weights)
    if callback.best_weights is None:
        saved = f"{checkpoint_save_path} left as it was"
    else:
        saved = (f"best {monitor} {callback.best:.4f} at epoch {callback.best_epoch}, "
                 f"saved to {checkpoint_save_path}")
    if interrupted:
        print(f"\nTraining interrupted after {callback.epochs_done} epochs: {saved}. "
              "Run the script again to resume.", file=sys.stderr)
        sys.exit(130)
    print(f"Trained {callback.epochs_done} epochs: {saved}.")


# ## 参数提取 (weight dump)

def dump_weights(model, path):
    """Write every trainable variable: its full path in the model, its shape and all its values."""
    with np.printoptions(threshold=sys.maxsize), open(path, "w", encoding="utf-8") as file:
        for v in model.trainable_variables:
            file.write(f"{v.path}\n{tuple(v.shape)}\n{v.numpy()}\n")
    print(f"Weights written to {path}")


# ## Curves

def can_show_window(no_show):
    """Pick matplotlib's backend: a window when there is a display, PNG files otherwise."""
    import matplotlib

    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if no_show or headless:
        matplotlib.use("Agg")
    return matplotlib.get_backend().lower() not in NON_INTERACTIVE_BACKENDS


def show_or_save(figure, png_path, window):
    """Save the figure as PNG and print where; then show it in a window when there can be one."""
    import matplotlib.pyplot as plt

    figure.savefig(png_path, dpi=100)
    print(f"Plot saved to {png_path}")
    if window:
        plt.show()
    plt.close(figure)


def plot_curves(history, png_path, no_show, panels):
    """Draw training curves side by side, one panel per title: {title: {label: history key}}."""
    window = can_show_window(no_show)  # choose the backend before pyplot is imported
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4), squeeze=False)
    for ax, (title, lines) in zip(axes[0], panels.items()):
        for label, key in lines.items():
            ax.plot(history.history.get(key, []), label=label)
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.legend()
    figure.tight_layout()
    show_or_save(figure, png_path, window)


# ## Predictions at the prompt

def letters_hint(input_word, word_length):
    """What the prompt accepts, in words: '4 letters from a-e, like abcd'."""
    span = f"{input_word[0]}-{input_word[-1]}"
    noun = "letter" if word_length == 1 else "letters"
    return f"{word_length} {noun} from {span}, like {input_word[:word_length]}"


def check_word(text, input_word, word_length):
    """None when `text` is a word the model can take, else what is wrong with it and what is accepted."""
    word = text.strip().lower()
    hint = letters_hint(input_word, word_length)
    if not word:
        return f"empty input; type {hint}"
    if not word.isascii():
        return f"{text.strip()!r} has characters that are not plain letters; type {hint}"
    outside = sorted(set(word) - set(input_word))
    if outside:
        return f"{text.strip()!r} has {''.join(outside)!r}, outside {input_word[0]}-{input_word[-1]}; type {hint}"
    if len(word) != word_length:
        return f"{text.strip()!r} has {len(word)} letters, not {word_length}; type {hint}"
    return None


def predict_letter(model, x):
    """Run one encoded sample through the model; the id of the most probable next letter."""
    probabilities = model(x[np.newaxis], training=False)  # a direct call: no progress bar
    return int(np.argmax(probabilities[0]))


def ask(prompt, problem_with):
    """Ask until the answer has no problem; bad answers get one line and the same prompt again."""
    while True:
        answer = input(prompt)
        problem = problem_with(answer)
        if problem is None:
            return answer.strip().lower()
        print(problem)


def count_problem(text):
    text = text.strip()
    if text.isascii() and text.isdigit():
        return None
    return f"{text!r} is not a number of predictions; type a whole number like 3 (0 to stop)"


def prompt_loop(model, encode, input_word, word_length, words=None):
    """The lecture's prediction loop: how many, then that many words, each answered 'abcd->e'.

    With `words` (from --predict) those are answered and nothing is asked. End of input or
    Ctrl-C at a prompt ends the script with a goodbye and status 0.
    """
    def answer(word):
        print(f"{word}->{input_word[predict_letter(model, encode(word))]}", flush=True)

    if words is not None:
        for word in words:
            answer(word)
        return
    try:
        count = int(ask("input the number of test alphabet:", count_problem))
        for _ in range(count):
            answer(ask("input test alphabet:",
                       lambda text: check_word(text, input_word, word_length)))
    except (EOFError, KeyboardInterrupt):
        print("\nGoodbye.")
        sys.exit(0)


# ## Stock prices: the data file, a synthetic stand-in, and the results

def stop(message):
    """One line on stderr and exit status 2: the input cannot be used as it is."""
    print(message, file=sys.stderr)
    sys.exit(2)


def parse_stock_args(description, epochs):
    """Flags of a stock lesson: the common ones, and where the prices come from."""
    parser = base_parser(description, epochs)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--csv", default="SH600519.csv", metavar="PATH",
                        help="daily prices in tushare's CSV layout (default: SH600519.csv here)")
    source.add_argument("--synthetic", action="store_true",
                        help="use a made-up, deterministic price series instead of a CSV (offline)")
    return parser.parse_args()


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


def load_opening_prices(csv_path, synthetic, needed_rows):
    """(dates, opening prices, stock code or 'synthetic') from a tushare-layout CSV or made up.

    Rows whose opening price is missing or not a number are dropped with a warning; a file that
    cannot be used ends the script with one line saying why and what to do.
    """
    import pandas as pd

    if synthetic:
        frame, label = synthetic_prices(), "synthetic"
        print(f"Using synthetic prices: a made-up random walk of {len(frame)} business days from "
              f"{frame['date'].iloc[0]}, not a real stock.")
    else:
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
            stop(f"{csv_path} has no 'open' column (it has: {', '.join(map(str, frame.columns))}); "
                 "expected tushare's layout: date,open,close,high,low,volume,code.")
        code = str(frame["code"].iloc[0]) if "code" in frame.columns and len(frame) else ""
        label = code.zfill(6) if code.isdigit() else (code or os.path.basename(csv_path))
    dates = (frame["date"].astype(str) if "date" in frame.columns
             else pd.Series([f"row {i + 1}" for i in range(len(frame))]))
    opens = pd.to_numeric(frame["open"], errors="coerce")
    bad = ~np.isfinite(opens.to_numpy(dtype=float))
    if bad.any():
        listed = ", ".join(dates[bad].head(10)) + (f" and {bad.sum() - 10} more" if bad.sum() > 10 else "")
        print(f"Warning: dropped {bad.sum()} rows of {csv_path} whose opening price is missing "
              f"or not a number: {listed}.", file=sys.stderr)
    dates, opens = dates[~bad].to_numpy(), opens[~bad].to_numpy(dtype=float)
    if len(opens) < needed_rows:
        source = "the synthetic series" if synthetic else csv_path
        stop(f"{source} has {len(opens)} usable rows; the lesson needs at least {needed_rows} "
             "(a 300-day test set, and 60-day windows before the first training label).")
    return dates, opens, label


def print_error_table(errors):
    """The errors of each predictor as a table: {name: (MSE, RMSE, MAE)}."""
    print(f"{'':12}{'MSE':>12}{'RMSE':>12}{'MAE':>12}")
    for name, values in errors.items():
        print(f"{name:<12}" + "".join(f"{value:12.4f}" for value in values))


def plot_prediction(dates, lines, title, png_path, no_show):
    """Prices over the test dates, one line per {label: values}, dates thinned on the x axis."""
    window = can_show_window(no_show)
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(10, 5))
    for (label, values), color in zip(lines.items(), ["red", "blue", "gray"]):
        ax.plot(dates, values, color=color, label=label, linestyle="--" if color == "gray" else "-")
    ax.set_xticks(dates[:: max(1, len(dates) // 8)])
    ax.tick_params(axis="x", rotation=30)
    ax.set_title(title)
    ax.set_xlabel("date")
    ax.set_ylabel("opening price")
    ax.legend()
    figure.tight_layout()
    show_or_save(figure, png_path, window)
