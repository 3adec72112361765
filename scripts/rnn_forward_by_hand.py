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
import os

import numpy as np

from lessonkit.by_hand import (activation_of, by_hand_parser, layers_to_compute, picture,
                               trained_lesson)
from lessonkit.commands import command_for_user
from lessonkit.exits import fail, stop
from lessonkit.files import check_can_write
from lessonkit.flags import parsed
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


# %% The lesson: its trained model, rebuilt from the checkpoint's record
name = os.path.splitext(os.path.basename(args.lesson_file))[0]
checkpoint_save_path = f"./checkpoint/{name}.weights.h5"
given_path = args.lesson_file if args.lesson_file.endswith(".py") else None
train = command_for_user(script=given_path or f"{name}.py")
model, record = trained_lesson(name, checkpoint_save_path, train, given_path)
input_word, time_steps = record.input_word, record.time_steps
word = args.input if args.input is not None else "bcde"[:time_steps]
problem = check_word(word, input_word, time_steps)
if problem:
    stop(f"Input for {name}: {problem}.")
word = word.strip().lower()
check_can_write(f"{name}_by_hand.png")
layers = layers_to_compute(model, name)

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
