"""What the by-hand pass needs from a trained lesson: its model rebuilt from the checkpoint's record,
its layers as NumPy arrays, their activations in NumPy, and its picture.

The pass reads the checkpoint, never the lesson's code: a lesson is top-level code that trains
when it is imported, and the checkpoint says what was trained (checkpoints.py).
"""
import dataclasses
import os

import numpy as np

from lessonkit.checkpoints import load_checkpoint, read_record
from lessonkit.exits import stop

# The activations Keras's layers take by name, in NumPy: the ones the pass can compute.
ACTIVATIONS = {
    "tanh": lambda z: np.tanh(z),
    "relu": lambda z: np.maximum(z, 0),
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "linear": lambda z: z,
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
    "selu": lambda z: 1.0507009873554805 * np.where(z > 0, z, 1.6732632423543772
                                                     * np.expm1(np.minimum(z, 0))),
    "softplus": lambda z: np.logaddexp(0, z),
    "softsign": lambda z: z / (1 + np.abs(z)),
    "hard_sigmoid": lambda z: np.clip(z / 6 + 0.5, 0, 1),
    "silu": lambda z: z / (1 + np.exp(-z)),
    "swish": lambda z: z / (1 + np.exp(-z)),
    "exponential": lambda z: np.exp(z),
    "relu6": lambda z: np.clip(z, 0, 6),
    "softmax": lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(),
}
for _name, _function in ACTIVATIONS.items():
    _function.__name__ = _name


@dataclasses.dataclass
class Layer:
    kind: str              # Embedding, SimpleRNN, Dense, Dropout
    name: str              # Keras's name for it: simple_rnn, dense_1, ...
    weights: list          # its arrays, in Keras's order
    units: int = 0
    activation: str = None
    return_sequences: bool = False


def by_hand_parser(description):
    from lessonkit.flags import add_no_show, script_parser

    parser = script_parser(description)
    parser.add_argument("lesson_file", metavar="lesson", nargs="?", default="rnn_onehot_4pre1",
                        help="the lesson: its name, its file or a path to it "
                             "(default: rnn_onehot_4pre1)")
    parser.add_argument("input", nargs="?", default=None,
                        help="the letters to feed (default: bcde, cut to the lesson's length)")
    add_no_show(parser)
    return parser


def trained_lesson(name, checkpoint_save_path, train, lesson_file=None):
    """(the lesson's model with its trained weights, the checkpoint's record), or one line and status 2."""
    if not os.path.exists(checkpoint_save_path):
        here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", f"{name}.py")
        if lesson_file is None and not os.path.exists(here):
            from lessonkit.commands import shown_path

            lessons = sorted(f[:-3] for f in os.listdir(os.path.dirname(here))
                             if f.startswith("rnn_") and f.endswith("pre1.py"))
            stop(f"Unknown lesson {name!r}: there is neither {shown_path(os.path.normpath(here))} nor "
                 f"{checkpoint_save_path}; the letter lessons are {', '.join(lessons)}.")
        stop(f"No trained weights at {checkpoint_save_path}: train them first with: {train}")
    try:
        record = read_record(checkpoint_save_path)
    except OSError:
        stop(f"Cannot load {checkpoint_save_path} (the file is damaged or not a weights file); "
             f"train again with: {train} --fresh")
    if record.model is None:
        stop(f"{checkpoint_save_path} records no model (an older version of the collection "
             f"wrote it): train again with: {train} --fresh")
    if record.input_word is None:
        stop(f"{checkpoint_save_path} is not a letter lesson's: the pass computes the letter "
             "lessons' recurrence, whose input is letters.")
    import keras

    model = keras.models.model_from_json(record.model)
    _, problem = load_checkpoint(model, checkpoint_save_path)
    if problem:
        stop(f"Cannot load {checkpoint_save_path} ({problem}); train again with: {train} --fresh")
    return model, record


def layers_to_compute(model, name):
    """The model's layers as the pass computes them; one line and status 2 for one it cannot."""
    layers = []
    for layer in model.layers:
        kind = type(layer).__name__
        weights = [np.asarray(w) for w in layer.get_weights()]
        if kind == "Embedding":
            layers.append(Layer(kind, layer.name, weights))
        elif kind == "SimpleRNN":
            if layer.go_backwards or not layer.use_bias:
                stop(f"{name}'s {layer.name} reads backwards or has no bias: the pass computes "
                     "the lecture's SimpleRNN, forwards, with a bias.")
            layers.append(Layer(kind, layer.name, weights, layer.units,
                                named_activation(layer, name), layer.return_sequences))
        elif kind == "Dense" and layer.use_bias:
            layers.append(Layer(kind, layer.name, weights, layer.units,
                                named_activation(layer, name)))
        elif kind == "Dropout":
            continue  # nothing at prediction time
        else:
            stop(f"The pass computes SimpleRNN, Embedding and Dense layers; {name} has "
                 f"{layer.name} ({kind}), which it cannot compute by hand.")
    if not any(layer.kind == "SimpleRNN" for layer in layers) or layers[-1].kind != "Dense":
        stop(f"{name} is not a recurrent lesson the pass can follow: it needs SimpleRNN layers "
             "and a Dense output layer.")
    return layers


def named_activation(layer, name):
    import keras

    activation = keras.activations.serialize(layer.activation)
    activation = activation if isinstance(activation, str) else str(activation.get("config", activation))
    if activation not in ACTIVATIONS:
        stop(f"{name}'s {layer.name} uses the activation {activation!r}, which the pass cannot "
             f"compute; it knows {', '.join(sorted(ACTIVATIONS))}.")
    return activation


def activation_of(layer):
    return ACTIVATIONS[layer.activation]


# ## The picture

def picture(name, word, heat_maps, p, input_word, top_letters=10):
    """Each recurrent layer's h_t over the time steps as a heat map (values written in), a colour
    bar, and the output's probabilities as bars: the 26-letter lessons' top letters only."""
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=(9.6, 5.4))
    grid = figure.add_gridspec(2, len(heat_maps) + 1, height_ratios=[3, 2],
                               width_ratios=[*(max(m.shape[1], 3) for _, _, m in heat_maps), 0.3])
    image = None
    for column, (layer, activation, h) in enumerate(heat_maps):
        ax = figure.add_subplot(grid[0, column])
        image = ax.imshow(h, cmap="coolwarm", vmin=-1, vmax=1, aspect="auto")
        for (t, unit), value in np.ndenumerate(h):
            ax.text(unit, t, f"{value:.2f}", ha="center", va="center",
                    fontsize=10 if h.shape[1] > 6 else 12,
                    color="white" if abs(value) > 0.55 else "black")
        ax.set_yticks(range(len(word)), [f"t={t} '{c}'" for t, c in enumerate(word, start=1)])
        ax.set_xticks(range(h.shape[1]), [str(u) for u in range(1, h.shape[1] + 1)])
        ax.set_xlabel("memory unit" if len(heat_maps) == 1 else f"{layer.name}: memory unit")
        ax.set_ylabel("time step" if column == 0 else "")
        ax.set_title(rf"$h_t = \mathrm{{{activation}}}(x_t W_{{xh}} + h_{{t-1}} W_{{hh}} + b_h)$")
    figure.colorbar(image, cax=figure.add_subplot(grid[0, -1]), label="$h_t$")
    bars = figure.add_subplot(grid[1, :])
    order = np.argsort(-p, kind="stable")[:top_letters] if len(p) > top_letters else np.arange(len(p))
    best = int(np.argmax(p))
    bars.bar([input_word[i] for i in order], p[order],
             color=["tab:red" if i == best else "tab:gray" for i in order])
    bars.set_ylim(0, 1)
    bars.set_ylabel("probability")
    shown = "" if len(order) == len(p) else f" (the {len(order)} most probable of {len(p)} letters)"
    bars.set_xlabel(f"next letter{shown}")
    bars.set_title(rf"$y = \mathrm{{softmax}}(h_T W_{{hy}} + b_y)$: {word}->{input_word[best]}")
    return figure
