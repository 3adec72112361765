"""The recurrence by hand: recompute a trained lesson's prediction step by step, checked against Keras.

Lecture 6, 循环计算过程 (the recurrent computation). With the trained matrices fixed, the
memory h_t (记忆体) of each recurrent layer is refreshed at every time step, and the output is
read from the last one:

    h_t = tanh(x_t Wxh + h_{t-1} Whh + bh)        y = softmax(h_T Why + by)

This script takes the checkpoint a letter lesson saved (its weights and a record of its model),
runs those lines in plain NumPy for the letters you give, layer by layer, prints every
intermediate value, then asks Keras for the same prediction and prints how far apart the two are.
It follows the lesson as it was trained: one-hot or Embedding inputs, any stack of SimpleRNN
layers, any activation Keras's SimpleRNN takes by name, Dense layers before the output.

    python scripts/rnn_forward_by_hand.py                        rnn_onehot_4pre1, input bcde
    python scripts/rnn_forward_by_hand.py rnn_embedding_4pre1 wxyz
    python scripts/rnn_forward_by_hand.py my_rnn.py abcd          a lesson of your own
"""
# %% Setup
import lessonkit  # first: a problem ends the run in one line, not a traceback
import dataclasses
import os

import numpy as np

from lessonkit.checkpoints import described, load_checkpoint, read_record
from lessonkit.commands import command_for_user
from lessonkit.exits import fail, stop
from lessonkit.files import check_can_write
from lessonkit.flags import by_hand_parser, parsed
from lessonkit.prompt import check_word

TOLERANCE = 1e-5

args = parsed(by_hand_parser(__doc__))  # the lesson, the letters, --no-show


# %% The lecture's equations, one line each

def recurrence(xs, Wxh, Whh, bh, activation):
    """One SimpleRNN layer over the input vectors xs: every step's values, and every h_t."""
    h_t = np.zeros(Whh.shape[0], dtype=Whh.dtype)  # the memory starts empty
    steps = []
    for x_t in xs:
        h_prev = h_t
        x_Wxh = x_t @ Wxh
        h_Whh = h_prev @ Whh
        z_t = x_Wxh + h_Whh + bh
        h_t = activation(z_t)
        steps.append({"x_t": x_t, "h_{t-1}": h_prev, "x_t·Wxh": x_Wxh, "h_{t-1}·Whh": h_Whh,
                      "sum + bh": z_t, f"h_t = {activation.__name__}": h_t})
    return steps, np.array([step[f"h_t = {activation.__name__}"] for step in steps])


def softmax(y):
    p = np.exp(y - y.max())
    return p / p.sum()


def row(values):
    return " ".join(f"{v:8.4f}" for v in np.atleast_1d(values))


def matrix(name, m):
    print(f"{name} {m.shape}:")
    for line in np.atleast_2d(m):
        print(f"    {row(line)}")


# %% What the pass needs from a trained lesson
# Its model rebuilt from the checkpoint's record (the pass never runs the lesson's code: a lesson
# trains when it runs), its layers as NumPy arrays, their activations in NumPy, its picture.

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


def lesson_record(name, checkpoint_save_path, train, lesson_file=None):
    """The checkpoint's record of the lesson, or one line and status 2, before TensorFlow starts."""
    if not os.path.exists(checkpoint_save_path):
        here = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"{name}.py")
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
    return record


def trained_model(record, checkpoint_save_path, train):
    """The lesson's model, rebuilt from the record, with its trained weights; or one line and status 2."""
    import keras

    from lessonkit.tensorflow_start import check_keras_backend

    check_keras_backend()
    model = keras.models.model_from_json(record.model)
    _, problem = load_checkpoint(model, checkpoint_save_path)
    if problem:
        stop(f"Cannot load {checkpoint_save_path} ({problem}); train again with: {train} --fresh")
    return model


def layers_to_compute(model_json, name):
    """The model's layers as the pass computes them, read from the checkpoint's record (their
    weights come once Keras has loaded them); one line and status 2 for one it cannot."""
    layers = []
    for kind, config, layer_name in described(model_json):
        if kind in ("InputLayer", "Dropout", "optimizer", "loss"):
            continue  # Dropout: nothing at prediction time
        if kind == "SimpleRNN" and (config.get("go_backwards") or not config.get("use_bias", True)):
            stop(f"{name}'s {layer_name} reads backwards or has no bias: the pass computes "
                 "the lecture's SimpleRNN, forwards, with a bias.")
        if kind == "Embedding":
            layers.append(Layer(kind, layer_name, []))
        elif kind == "SimpleRNN" or (kind == "Dense" and config.get("use_bias", True)):
            layers.append(Layer(kind, layer_name, [], config.get("units", 0),
                                named_activation(config.get("activation"), layer_name, name),
                                bool(config.get("return_sequences"))))
        else:
            stop(f"The pass computes SimpleRNN, Embedding and Dense layers; {name} has "
                 f"{layer_name} ({kind}), which it cannot compute by hand.")
    if not any(layer.kind == "SimpleRNN" for layer in layers) or layers[-1].kind != "Dense":
        stop(f"{name} is not a recurrent lesson the pass can follow: it needs SimpleRNN layers "
             "and a Dense output layer.")
    return layers


def named_activation(activation, layer_name, name):
    """The activation's name, as Keras wrote it in the layer's config, if the pass computes it."""
    activation = activation if isinstance(activation, str) else str((activation or {}).get(
        "config", activation))
    if activation not in ACTIVATIONS:
        stop(f"{name}'s {layer_name} uses the activation {activation!r}, which the pass cannot "
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


# %% The lesson: its trained model, rebuilt from the checkpoint's record
name = os.path.splitext(os.path.basename(args.lesson_file))[0]
checkpoint_save_path = f"./checkpoint/{name}.weights.h5"
given_path = args.lesson_file if args.lesson_file.endswith(".py") else None
train = command_for_user(script=given_path or f"{name}.py")
record = lesson_record(name, checkpoint_save_path, train, given_path)
input_word, time_steps = record.input_word, record.time_steps
word = args.input if args.input is not None else "bcde"[:time_steps]
problem = check_word(word, input_word, time_steps)
if problem:
    stop(f"Input for {name}: {problem}.")
word = word.strip().lower()
check_can_write(f"{name}_by_hand.png")
layers = layers_to_compute(record.model, name)
model = trained_model(record, checkpoint_save_path, train)
for layer in layers:
    layer.weights = [np.asarray(w) for w in model.get_layer(layer.name).get_weights()]

ids = [input_word.index(letter) for letter in word]
recurrent = [layer for layer in layers if layer.kind == "SimpleRNN"]
print(f"{name}: input {word!r}, {len(word)} time step(s), "
      f"{' + '.join(str(layer.units) for layer in recurrent)} memory units (记忆体) in "
      f"{len(recurrent)} recurrent layer(s), weights from {checkpoint_save_path}")

# %% Layer by layer: the inputs, each recurrent layer's steps, the Dense layers
values, source, heat_maps = None, "one-hot", []  # what the next layer reads, and where from
for number, layer in enumerate(layers, start=1):
    print(f"\n## Layer {number}: {layer.name} ({layer.kind})")
    if layer.kind == "Embedding":
        E = layer.weights[0]
        matrix("E (embedding table, one row per letter)", E)
        values, source = E[ids], "its row of E"
    elif layer.kind == "SimpleRNN":
        xs = values if values is not None else np.eye(len(input_word), dtype="float32")[ids]
        Wxh, Whh, bh = layer.weights
        activation = activation_of(layer)
        print(f"h_t = {activation.__name__}(x_t Wxh + h_{{t-1}} Whh + bh), "
              f"{layer.units} memory units (记忆体)")
        for label, m in (("Wxh", Wxh), ("Whh", Whh), ("bh", bh)):
            matrix(label, m)
        steps, hs = recurrence(xs, Wxh, Whh, bh, activation)
        width = max(len(key) for key in steps[0])
        for t, step in enumerate(steps, start=1):
            reads = "the layer before's h_t" if source == "h_t" else f"letter {word[t - 1]!r} ({source})"
            print(f"\nt = {t}: {reads}")
            for key, value in step.items():
                print(f"    {key:<{width}}  {row(value)}")
        heat_maps.append((layer, activation.__name__, hs))
        values, source = (hs if layer.return_sequences else hs[-1]), "h_t"
    elif layer.kind == "Dense":
        W, b = layer.weights
        activation = activation_of(layer)
        last = number == len(layers)
        names = ("Why", "by") if last else ("W", "b")
        matrix(names[0], W)
        matrix(names[1], b)
        y = values @ W + b
        print(f"\nlogits h_T·{names[0]} + {names[1]}:" if last else
              f"\n{activation.__name__}(h·W + b):")
        print(f"    {row(y)}")
        values = y if last else activation(y)
    # Dropout: nothing at prediction time.

logits = values
p = softmax(logits) if layers[-1].activation == "softmax" else activation_of(layers[-1])(logits)
print(f"{layers[-1].activation} probabilities:")
top = int(np.argmax(p))
for i, letter in enumerate(input_word):
    print(f"    {letter}  {p[i]:.4f}{'  <- top' if i == top else ''}")

# %% The same input through Keras
x = np.array(ids)[np.newaxis] if layers[0].kind == "Embedding" else (
    np.eye(len(input_word), dtype="float32")[ids][np.newaxis])
p_keras = np.asarray(model(x, training=False))[0]
difference = float(np.max(np.abs(p - p_keras)))
keras_letter = input_word[int(np.argmax(p_keras))]
print("Keras probabilities:")
print(f"    {row(p_keras)}")

# %% The picture: each recurrent layer's h_t as a heat map, the output's probabilities as bars
picture(name, word, heat_maps, p, input_word)
lessonkit.show_or_save(f"{name}_by_hand.png", args, what=f"{name}: the recurrence by hand, input {word!r}")

print(f"{word}->{input_word[top]}  (Keras: {keras_letter}, max abs difference {difference:.1e})")
if not difference < TOLERANCE:  # NaN included
    fail(f"The hand computation and Keras differ by more than {TOLERANCE:g}.")
