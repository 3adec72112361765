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

def base_parser(description):
    """The flags every lesson script has; its defaults reproduce the lecture."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=non_negative_int, default=None, metavar="N",
                        help="train for N epochs (default: the lecture's); 0 only loads and predicts")
    parser.add_argument("--fresh", action="store_true",
                        help="ignore an existing checkpoint and train from scratch (it is replaced)")
    parser.add_argument("--no-show", action="store_true",
                        help="never open a plot window; save the plots as PNG files only")
    return parser


def parse_letter_args(description, input_word, word_length, epochs):
    """Flags of a letter lesson; words given with --predict are checked before any training."""
    parser = base_parser(description)
    parser.add_argument("--predict", nargs="+", metavar="WORD",
                        help="print the prediction for each WORD and skip the prompts")
    args = parser.parse_args()
    if args.epochs is None:
        args.epochs = epochs
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
        print(f"Error: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)


def import_tensorflow(seed=7):
    """Import TensorFlow (slow, so only once a script knows it will train) and seed everything.

    `keras.utils.set_random_seed` seeds Python, NumPy and TensorFlow; in Keras 3 that is what
    makes `tf.random.set_seed(7)` of the lecture reproducible again.
    """
    if "tensorflow" not in sys.modules:
        with c_level_stderr_silenced():  # "could not find cuda drivers" and the like
            import tensorflow
    tf = sys.modules["tensorflow"]
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

def prepare_fit(model, x_train, y_train, batch_size):
    """Give fit a cached tf.data pipeline and create the optimizer's and metrics' variables now.

    Same data, batches and result as fit(x_train, y_train, batch_size=...), but `fit` then traces
    its training step once instead of twice and skips converting the arrays at every epoch.
    """
    import tensorflow as tf

    # fit's shuffle=True default has nothing to do on a dataset that is one batch or already shuffled
    warnings.filterwarnings("ignore", message="`shuffle=True` was passed")
    model.optimizer.build(model.trainable_variables)
    model.compute_metrics(x_train, y_train, model(x_train), sample_weight=None)
    model.reset_metrics()
    return tf.data.Dataset.from_tensor_slices((x_train, y_train)).batch(batch_size).cache()


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
        model.load_weights(checkpoint_save_path)
    except Exception as error:
        # A failed load can leave some layers, or the optimizer, half-loaded: undo it.
        model.set_weights(initial_weights)
        for variable, value in zip(model.optimizer.variables, initial_optimizer_state):
            variable.assign(value)
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(f"Warning: cannot load {checkpoint_save_path} ({reason[:120]}); "
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
def keep_best_weights(model, checkpoint_save_path, monitor="loss"):
    """A callback that keeps the best weights by `monitor`, and writes them once, however training ends.

    Like ModelCheckpoint(save_best_only=True, save_weights_only=True), but the best weights are held
    in memory and written when the `with` block ends: normally, by Ctrl-C, or by SIGTERM. After
    training the model holds those best weights, so what is saved, dumped and queried is the same.
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

    def stop_on_sigterm(signum, frame):
        raise KeyboardInterrupt

    callback = BestWeights()
    previous_handler = signal.signal(signal.SIGTERM, stop_on_sigterm)
    interrupted = False
    try:
        yield callback
    except KeyboardInterrupt:
        interrupted = True
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
        if callback.best_weights is not None:
            model.set_weights(callback.best_weights)
            save_weights_atomically(model, checkpoint_save_path)
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
