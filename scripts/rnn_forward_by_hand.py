"""The recurrence by hand: recompute a trained lesson's prediction step by step, checked against Keras.

Lecture 6, 循环计算过程 (the recurrent computation). With the trained matrices fixed, the
memory h_t (记忆体) is refreshed at every time step, and the output is read from the last one:

    h_t = tanh(x_t Wxh + h_{t-1} Whh + bh)        y = softmax(h_T Why + by)

This script takes the weights a lesson script saved, runs those two lines in plain NumPy for
the letters you give, prints every intermediate value, then asks Keras for the same prediction
and prints how far apart the two are.

    python scripts/rnn_onehot_4pre1.py --predict bcde      train the lesson first
    python scripts/rnn_forward_by_hand.py                  rnn_onehot_4pre1, input bcde
    python scripts/rnn_forward_by_hand.py rnn_embedding_4pre1 wxyz
"""
import importlib
import os
import sys

try:  # what every lesson shares is in lessonkit/, beside this script
    from lessonkit.exits import quiet_start

    with quiet_start():  # Ctrl-C while the modules load ends the run without a traceback
        import numpy as np

        from lessonkit.checkpoints import load_checkpoint
        from lessonkit.commands import command_for_user
        from lessonkit.exits import fail, run_main, shown, stop
        from lessonkit.files import check_can_write
        from lessonkit.flags import add_no_show, script_parser
        from lessonkit.plots import can_show_plots, new_figure, show_or_save
        from lessonkit.prompt import check_word
        from lessonkit.tensorflow_start import start_tensorflow
except ImportError as error:
    sys.exit(f"Cannot import {error.name or 'a package'}: run the script where it lies, in the collection's "
             "scripts/ folder, with the packages of requirements.txt installed "
             "(and PYTHONSAFEPATH unset).")
except KeyboardInterrupt:  # Ctrl-C before the lesson has started
    sys.exit(130)

LESSONS = ("rnn_onehot_1pre1", "rnn_onehot_4pre1", "rnn_embedding_1pre1", "rnn_embedding_4pre1")
TOLERANCE = 1e-5


def forward_pass(Wxh, Whh, bh, Why, by, xs):
    """The lecture's recurrence over the input vectors xs, one line per equation.

    Returns every step's intermediate values and the output probabilities.
    """
    h_t = np.zeros(Whh.shape[0], dtype=Whh.dtype)  # the memory starts empty
    steps = []
    for x_t in xs:
        h_prev = h_t
        x_Wxh = x_t @ Wxh
        h_Whh = h_prev @ Whh
        z_t = x_Wxh + h_Whh + bh
        h_t = np.tanh(z_t)
        steps.append({"x_t": x_t, "h_{t-1}": h_prev, "x_t·Wxh": x_Wxh,
                      "h_{t-1}·Whh": h_Whh, "sum + bh": z_t, "h_t = tanh": h_t})
    y = h_t @ Why + by
    p = np.exp(y - y.max())
    p = p / p.sum()
    return steps, y, p


def trained_parameters(model):
    """Wxh, Whh, bh, Why, by and the embedding table E (None in one-hot lessons) as NumPy arrays.

    Keras names them kernel, recurrent_kernel and bias in the SimpleRNN's cell, kernel and bias
    in the Dense layer, embeddings in the Embedding layer.
    """
    from keras.layers import Dense, Embedding, SimpleRNN

    def layer(kind):
        return next((layer for layer in model.layers if isinstance(layer, kind)), None)

    cell, dense, embedding = layer(SimpleRNN).cell, layer(Dense), layer(Embedding)
    E = embedding.embeddings.numpy() if embedding is not None else None
    return (cell.kernel.numpy(), cell.recurrent_kernel.numpy(), cell.bias.numpy(),
            dense.kernel.numpy(), dense.bias.numpy(), E)


def row(values):
    return " ".join(f"{v:8.4f}" for v in np.atleast_1d(values))


def matrix(name, m):
    print(f"{name} {m.shape}:")
    for line in np.atleast_2d(m):
        print(f"    {row(line)}")


parser = script_parser(__doc__)
parser.add_argument("lesson", nargs="?", default="rnn_onehot_4pre1",
                    help=f"one of {', '.join(LESSONS)} (default: rnn_onehot_4pre1)")
parser.add_argument("input", nargs="?", default=None,
                    help="the letters to feed (default: bcde, cut to the lesson's length)")
add_no_show(parser)


def main():
    args = parser.parse_args()
    if args.lesson not in LESSONS:
        stop(f"Unknown lesson {shown(args.lesson)}: choose one of {', '.join(LESSONS)}.")
    lesson = importlib.import_module(args.lesson)
    word = (args.input if args.input is not None else "bcde"[:lesson.time_steps])
    problem = check_word(word, lesson.input_word, lesson.time_steps)
    if problem:
        stop(f"Input for {args.lesson}: {problem}.")
    word = word.strip().lower()
    check_can_write(picture_path(args.lesson))
    train = command_for_user(script=f"{args.lesson}.py")
    if not os.path.exists(lesson.checkpoint_save_path):
        stop(f"No trained weights at {lesson.checkpoint_save_path}: train them first with: {train}")

    # ## The trained parameters, taken from the lesson's own model, layer by layer
    start_tensorflow()
    model = lesson.build_model()
    _, problem = load_checkpoint(model, lesson.checkpoint_save_path)
    if problem:
        stop(f"Cannot load {lesson.checkpoint_save_path} ({problem}); train again with: {train} --fresh")
    Wxh, Whh, bh, Why, by, E = trained_parameters(model)

    print(f"{args.lesson}: input {word!r}, {len(word)} time step(s), "
          f"{Whh.shape[0]} memory units (记忆体), weights from {lesson.checkpoint_save_path}")
    if E is not None:
        matrix("E (embedding table, one row per letter)", E)
    for name, m in (("Wxh", Wxh), ("Whh", Whh), ("bh", bh), ("Why", Why), ("by", by)):
        matrix(name, m)

    # ## The input vectors: a one-hot row per letter, or the letter's row of E
    ids = [lesson.w_to_id[letter] for letter in word]
    xs = E[ids] if E is not None else lesson.encode(word)

    # ## The recurrence, step by step
    steps, y, p = forward_pass(Wxh, Whh, bh, Why, by, xs)
    width = max(len(name) for name in steps[0])
    for t, (letter, step) in enumerate(zip(word, steps), start=1):
        source = f"row {lesson.w_to_id[letter]} of E" if E is not None else "one-hot"
        print(f"\nt = {t}: letter {letter!r} ({source})")
        for name, values in step.items():
            print(f"    {name:<{width}}  {row(values)}")

    # ## The output
    print("\nlogits h_T·Why + by:")
    print(f"    {row(y)}")
    print("softmax probabilities:")
    top = int(np.argmax(p))
    for i, letter in enumerate(lesson.input_word):
        print(f"    {letter}  {p[i]:.4f}{'  <- top' if i == top else ''}")

    # ## The same input through Keras
    p_keras = model(lesson.encode(word)[np.newaxis], training=False).numpy()[0]
    difference = float(np.max(np.abs(p - p_keras)))
    keras_letter = lesson.input_word[int(np.argmax(p_keras))]
    print("Keras probabilities:")
    print(f"    {row(p_keras)}")
    draw(args.lesson, word, steps, p, lesson.input_word, args.no_show)
    print(f"{word}->{lesson.input_word[top]}  (Keras: {keras_letter}, "
          f"max abs difference {difference:.1e})")
    if not difference < TOLERANCE:  # NaN included
        fail(f"The hand computation and Keras differ by more than {TOLERANCE:g}.")


def draw(lesson_name, word, steps, p, input_word, no_show):
    """h_t of every step as an annotated heat map, the output probabilities as bars beside it."""
    show = can_show_plots(no_show)
    h = np.array([step["h_t = tanh"] for step in steps])
    figure, (left, right) = new_figure(
        show, ncols=2, figsize=(max(8, 3 + 0.7 * h.shape[1] + 0.3 * len(p)), 3 + 0.4 * len(h)),
        gridspec_kw={"width_ratios": [max(h.shape[1], 3), max(len(p) // 2, 3)]})
    left.imshow(h, cmap="coolwarm", vmin=-1, vmax=1, aspect="auto")
    for (t, unit), value in np.ndenumerate(h):
        left.text(unit, t, f"{value:.2f}", ha="center", va="center", fontsize=8)
    left.set_yticks(range(len(word)), [f"t={t} '{c}'" for t, c in enumerate(word, start=1)])
    left.set_xticks(range(h.shape[1]), [str(u) for u in range(1, h.shape[1] + 1)])
    left.set_xlabel("memory unit")
    left.set_title("h_t = tanh(x_t Wxh + h_{t-1} Whh + bh)")
    right.bar(list(input_word), p, color=["tab:red" if i == np.argmax(p) else "tab:gray"
                                          for i in range(len(p))])
    right.set_ylim(0, 1)
    right.set_title(f"softmax(h_T Why + by): {word}->{input_word[int(np.argmax(p))]}")
    figure.tight_layout()
    show_or_save(figure, picture_path(lesson_name), show)


def picture_path(lesson_name):
    return f"{lesson_name}_by_hand.png"


if __name__ == "__main__":
    run_main(main)
