"""What the by-hand pass (rnn_forward_by_hand.py) needs around its equations: the lesson's record and
layers, read and refused before TensorFlow starts; its trained weights; a stock lesson's window;
the printing; the picture."""
import dataclasses
import os
import pathlib

import numpy as np

from lessonkit import checkpoints, flags, model_config
from lessonkit.commands import command_for_user, shown_path
from lessonkit.exits import fail, stop  # noqa: F401  (fail: for the pass)
from lessonkit.files import check_can_write  # noqa: F401  (for the pass)

RECURRENT = ("SimpleRNN", "LSTM", "GRU")
GATES = {"LSTM": "ifco", "GRU": "zrh"}  # Keras's blocks of kernel, recurrent_kernel and bias
# The activations Keras's layers take by name, in NumPy: the ones the pass computes.
ACTIVATIONS = {
    "tanh": np.tanh, "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "relu": lambda z: np.maximum(z, 0),
    "linear": lambda z: z, "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
    "selu": lambda z: 1.0507009873554805 * np.where(z > 0, z, 1.6732632423543772 * np.expm1(np.minimum(z, 0))),
    "softplus": lambda z: np.logaddexp(0, z), "softsign": lambda z: z / (1 + np.abs(z)),
    "hard_sigmoid": lambda z: np.clip(z / 6 + 0.5, 0, 1), "silu": lambda z: z / (1 + np.exp(-z)),
    "swish": lambda z: z / (1 + np.exp(-z)), "exponential": np.exp, "relu6": lambda z: np.clip(z, 0, 6),
    "softmax": lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(),
}


def by_hand_parser(description, _=None):
    """The lesson, its input, and for a stock lesson its data flags and the test day."""
    parser = flags.script_parser(description)
    parser.add_argument("lesson_file", metavar="lesson", nargs="?", default="rnn_onehot_4pre1",
                        help="the lesson: its name, its file or a path to it (default: rnn_onehot_4pre1)")
    parser.add_argument("input", nargs="?", default=None,
                        help="a letter lesson's letters (default: bcde, cut to the lesson's length)")
    parser.add_argument("--day", type=flags.whole_number(1), default=None, metavar="N",
                        help="a stock lesson's predicted test day: 1 is the first (default: the last)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--csv", metavar="PATH", help="the price file the stock lesson was trained on")
    source.add_argument("--synthetic", action="store_true", help="the stock lesson's made-up prices")
    parser.add_argument("--scaling", choices=("minmax", "window"), default="minmax",
                        help="the stock lesson's scaling (default: minmax, the lecture's)")
    parser.add_argument("--no-show", action="store_true", help=flags.NO_SHOW)
    return parser


def flags_of(description):
    return flags.parsed(by_hand_parser, description, None)


@dataclasses.dataclass
class Layer:
    kind: str            # Embedding, SimpleRNN, LSTM, GRU, Dense
    name: str            # Keras's name for it: simple_rnn, lstm_1, ...
    config: dict
    weights: list = dataclasses.field(default_factory=list)  # its arrays, in Keras's order

    def activation(self, which="activation"):
        return ACTIVATIONS[self.config.get(which) or "linear"]


def lesson(args):
    """(name, checkpoint path, record, layers) of the lesson, or one line and status 2, before
    TensorFlow starts: no checkpoint, not a lesson's, a layer the pass cannot compute."""
    name = os.path.splitext(os.path.basename(args.lesson_file))[0]
    given = args.lesson_file if args.lesson_file.endswith(".py") else None
    here = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), f"{args.lesson_file}.py")
    data = []  # a stock lesson's data flags, which name its run as the lesson names it
    source = pathlib.Path(given or here)  # a stock lesson is named stock_*, or its copy calls stock_flags
    if name.startswith("stock_") or source.is_file() and "stock_flags(" in source.read_text(encoding="utf-8", errors="replace"):
        from lessonkit.prices import run_name

        args.lesson = name
        name = args.name = run_name(args)
        data = [*(["--csv", args.csv] if args.csv else []), *(["--synthetic"] if args.synthetic else []),
                *(["--scaling", "window"] if args.scaling == "window" else [])]
    path = f"./checkpoint/{name}.weights.h5"
    train = command_for_user(data, script=os.path.abspath(given) if given else f"{args.lesson_file}.py")
    if not os.path.exists(path):
        if given is None and not os.path.exists(here):
            lessons = sorted(f[:-3] for f in os.listdir(os.path.dirname(here)) if f.startswith(("rnn_", "stock_"))
                             and f.endswith(".py") and f != "rnn_forward_by_hand.py")
            stop(f"Unknown lesson {name!r}: there is neither {shown_path(os.path.normpath(here))} nor "
                 f"{path}; the lessons are {', '.join(lessons)}.")
        stop(f"No trained weights at {path}: train them first with: {train}")
    try:
        record = checkpoints.read_record(path)
    except OSError:
        stop(f"Cannot load {path} (the file is damaged or not a weights file); train again with: {train} --fresh")
    if record.model is None:
        stop(f"{path} records no model (an older version of the collection wrote it): "
             f"train again with: {train} --fresh")
    layers = []
    for kind, config, layer_name in model_config.described(record.model):
        if kind in ("InputLayer", "Dropout", "optimizer", "loss"):
            continue  # Dropout: nothing at prediction time
        wrong = [key for key in ("activation", "recurrent_activation") if key in config
                 and config[key] not in ACTIVATIONS] if kind in (*RECURRENT, "Dense", "Embedding") else ["kind"]
        if kind in RECURRENT and (config.get("go_backwards") or config.get("stateful")):
            wrong = ["reading backwards"]
        if wrong:
            what = f"the activation {config.get(wrong[0])!r}" if wrong[0].endswith("activation") else kind
            stop(f"The pass cannot compute {name}'s {layer_name} ({what}); it computes Embedding, "
                 f"SimpleRNN, LSTM, GRU and Dense layers, with the activations {', '.join(sorted(ACTIVATIONS))}.")
        layers.append(Layer(kind, layer_name, config))
    if not any(layer.kind in RECURRENT for layer in layers) or layers[-1].kind != "Dense":
        stop(f"{name} is not a recurrent lesson the pass can follow: it needs recurrent layers "
             "and a Dense output layer.")
    letters = record.input_word is not None
    if letters and args.day is not None or not letters and args.input is not None:
        stop(f"{name} is a {'letter lesson: it takes letters, not --day' if letters else 'stock lesson: it takes --day N, not letters'}.")
    days = test_days(record) - input_length(record)  # a stock lesson's predicted test days
    if record.input_word is None and args.day is not None and args.day > days:
        stop(f"--day {args.day}: the lesson predicts {days} test days; give 1 to {days}.")
    return name, path, record, layers, train


def load_weights(record, path, layers, train):
    """The lesson's model rebuilt from the record, with its trained weights, into `layers`."""
    from lessonkit import tensorflow_start

    tensorflow_start.start(own_process=True)
    import keras

    model = keras.models.model_from_json(record.model)
    _, problem = checkpoints.load_checkpoint(model, path)
    if problem:
        stop(f"Cannot load {path} ({problem}); train again with: {train} --fresh")
    for layer in layers:
        layer.weights = [np.asarray(w) for w in model.get_layer(layer.name).get_weights()]
        if layer.kind != "Embedding" and not layer.config.get("use_bias", True):
            layer.weights.append(np.zeros(layer.weights[-1].shape[-1], dtype="float32"))
    return model


def input_length(record):
    """The time steps the lesson's model reads, from its Input layer in the record."""
    layer = next(config for kind, config, _ in model_config.described(record.model) if kind == "InputLayer")
    return (layer.get("batch_shape") or layer.get("batch_input_shape"))[1]


def test_days(record):
    return record.test_days or 300  # the lecture's, for a checkpoint written before they were recorded


def letters(given, input_word, time_steps, name):
    """The letters to feed, checked: the lecture's bcde (cut to the lesson's length) by default."""
    from lessonkit.prompt import check_word

    word = given if given is not None else "bcde"[:time_steps]
    problem = check_word(word, input_word, time_steps)
    if problem:
        stop(f"Input for {name}: {problem}.")
    return word.strip().lower()


def stock_window(args, time_steps, day, test_days):
    """A stock lesson's input for predicted test day `day` (default: the last), as the lesson makes
    it: {x: the scaled window, prices: the window in yuan, to_yuan: the model's output in yuan,
    real: the day's price, before: the day before's (persistence), date, day}."""
    from sklearn.preprocessing import MinMaxScaler

    from lessonkit.price_scaling import prices_from_window_scaled, window_scaled
    from lessonkit.prices import read_prices

    table = read_prices(args, test_days, time_steps)
    opens = table["open"].to_numpy(dtype=float)[:, None]
    training_set, test_set = opens[:-test_days], opens[-test_days:]
    days = test_days - time_steps
    day = days if day is None else day
    i = day - 1
    if args.scaling == "window":
        _, _, x_test, _, last, spread = window_scaled(training_set, test_set, time_steps)
        to_yuan = lambda y: float(prices_from_window_scaled(np.reshape(y, (1, 1)), last[i:i + 1], spread)[0, 0])  # noqa: E731
    else:
        sc = MinMaxScaler(feature_range=(0, 1)).fit(training_set)
        scaled = sc.transform(test_set)[:, 0]
        x_test = np.array([scaled[j - time_steps:j] for j in range(time_steps, test_days)])[..., None]
        to_yuan = lambda y: float(sc.inverse_transform(np.reshape(y, (1, 1)))[0, 0])  # noqa: E731
    return {"x": x_test[i].astype("float32"), "prices": test_set[i:i + time_steps, 0], "to_yuan": to_yuan,
            "real": test_set[time_steps + i, 0], "before": test_set[time_steps + i - 1, 0],
            "date": table["date"].iloc[len(table) - days + i], "day": day}


def row(values, width=8):
    return " ".join(f"{v:{width}.4f}" for v in np.atleast_1d(values))


def matrix(label, m, rows=None, columns=None):
    """A matrix, whole when small, else its first `rows` x `columns` and its shape."""
    m = np.atleast_2d(m)
    cut = "" if rows is None or (m.shape[0] <= rows and m.shape[1] <= columns) else f", first {min(rows, m.shape[0])} x {min(columns, m.shape[1])}"
    print(f"{label} {np.shape(m) if m.shape[0] > 1 else (m.shape[1],)}{cut}:")
    for line in m[:rows]:
        print(f"    {row(line[:columns])}")


# Each value the pass keeps of a step, as the picture names it: the lecture's word and its symbol.
NAMES = {"h_t": ("记忆体", "h_t"), "i_t": ("输入门", "i_t"), "f_t": ("遗忘门", "f_t"),
         "o_t": ("输出门", "o_t"), "C̃_t": ("候选态", r"\tilde{C}_t"), "C_t": ("细胞态", "C_t"),
         "z_t": ("更新门（Keras 定义）", "z_t"), "r_t": ("重置门", "r_t"), "h̃_t": ("候选隐藏层", r"\tilde{h}_t")}


def picture(steps, labels, unit_label, below, formula):
    """A slide: each value of a recurrent layer's steps (`steps`: [{name: values}]) as a heat map
    over the time steps (`labels`) and its units, the lecture's name and symbol above it, numbers
    written in where there are few, a colour bar each; `below`: (title, bars) for a letter lesson,
    (title, the window's prices, [(price, marker, label)]) for a stock lesson."""
    import matplotlib.pyplot as plt

    names = [key for key in steps[0] if key in NAMES]
    figure = plt.figure(figsize=(12.8, 7.2))
    grid = figure.add_gridspec(2, len(names), height_ratios=[3, 2])
    for column, key in enumerate(names):
        values = np.array([step[key] for step in steps])
        ax = figure.add_subplot(grid[0, column])
        low = -1 if key in ("h_t", "C_t", "C̃_t", "h̃_t") else 0  # tanh's range, or a gate's
        image = ax.imshow(values, cmap="coolwarm" if low else "viridis", vmin=low, vmax=1, aspect="auto")
        if values.size <= 40 and values.shape[1] * len(names) <= 12:  # where the numbers fit in their cells
            for (t, unit), value in np.ndenumerate(values):
                dark = value < 0.5 if low == 0 else abs(value) > 0.55  # where the colour is dark
                ax.text(unit, t, f"{value:.2f}", ha="center", va="center", fontsize=11,
                        color="white" if dark else "black")
        ticks = list(range(0, len(labels), max(1, len(labels) // 6)))
        ax.set_yticks(ticks, [labels[t] for t in ticks] if column == 0 else [])
        units = list(range(0, values.shape[1], max(1, values.shape[1] // 4)))
        ax.set_xticks(units, [str(u + 1) for u in units])
        ax.set_xlabel(unit_label if column == 0 else "memory unit")
        word, symbol = NAMES[key]  # a title of mathtext draws no Chinese: the symbol on the bar
        ax.set_title(formula if len(names) == 1 else word)
        figure.colorbar(image, ax=ax, fraction=0.1, label=f"${symbol}$")
    ax = figure.add_subplot(grid[1, :])
    if len(below) == 2:  # a letter lesson: the probabilities, the most probable in red
        title, (letters, p) = below
        ax.bar(letters, p, color=["tab:red" if i == 0 else "tab:gray" for i in range(len(p))])
        ax.set_ylim(0, 1)
        ax.set_xlabel("next letter")
        ax.set_ylabel("probability")
    else:  # a stock lesson: the window's prices, then the next day's: real, the model's, persistence's
        title, prices, marks = below
        ax.plot(range(1, len(prices) + 1), prices, color="black", label="the window's opening prices")
        for price, marker, label in marks:
            ax.plot([len(prices) + 1], [price], marker, markersize=11, label=label)
        ax.set_xlabel("day")
        ax.set_ylabel("yuan")
        ax.legend(loc="upper left")
    ax.set_title(title)
    if len(names) > 1:
        figure.supxlabel(formula)
    return figure
