"""One letter in, the next letter out: a SimpleRNN on one-hot encoded letters (1pre1).

Lecture 6, 循环神经网络 (recurrent networks), letter prediction with one-hot codes: after a
the network should say b, then c, d, e, and after e, a again. One letter is one time step.

    python scripts/rnn_onehot_1pre1.py            train (or resume), then answer at the prompt
    python scripts/rnn_onehot_1pre1.py --help     the flags
"""
import sys

try:  # what every lesson shares is in lessonkit/, beside this script
    from lessonkit.exits import quiet_start

    with quiet_start():  # Ctrl-C while the modules load ends the run without a traceback
        import numpy as np

        from lessonkit.best_weights import keep_best_weights
        from lessonkit.checkpoints import check_checkpoint, resume_from_checkpoint
        from lessonkit.console import progress_style
        from lessonkit.exits import run_main
        from lessonkit.flags import letter_parser
        from lessonkit.plots import plot_curves
        from lessonkit.prompt import prompt_loop
        from lessonkit.tensorflow_start import start_tensorflow
        from lessonkit.training import batches_for_fit
        from lessonkit.weight_dump import dump_weights
except ImportError as error:
    sys.exit(f"Cannot import {error.name or 'a package'}: run the script where it lies, in the collection's "
             "scripts/ folder, with the packages of requirements.txt installed "
             "(and PYTHONSAFEPATH unset).")
except KeyboardInterrupt:  # Ctrl-C before the lesson has started
    sys.exit(130)

NAME = "rnn_onehot_1pre1"
checkpoint_save_path = f"./checkpoint/{NAME}.weights.h5"
weights_path, curves_path = f"./{NAME}_weights.txt", f"{NAME}_curves.png"

# ## The data
# A network reads numbers, not letters, so each letter gets an id and each id a one-hot vector:
# a row of five numbers with a single 1 (独热码).

input_word = "abcde"
w_to_id = {letter: i for i, letter in enumerate(input_word)}
id_to_onehot = {i: np.eye(len(input_word))[i] for i in range(len(input_word))}
time_steps = 1  # 循环核时间展开步数 (time steps): one letter per sample

# Each sample: the letters fed in, and the letter that should follow them.
samples = [("a", "b"), ("b", "c"), ("c", "d"), ("d", "e"), ("e", "a")]


def encode(word):
    """Letters -> one sample for SimpleRNN: [time steps, features per step] = [1, 5]."""
    return np.array([id_to_onehot[w_to_id[letter]] for letter in word], dtype="float32")


# SimpleRNN takes [samples, time steps, features per step]: here [5, 1, 5].
x_train = np.array([encode(word) for word, _ in samples])
y_train = np.array([w_to_id[next_letter] for _, next_letter in samples])

# Shuffle samples and labels with one permutation, seed 7, as the lecture does.
order = np.random.RandomState(7).permutation(len(x_train))
x_train, y_train = x_train[order], y_train[order]


# ## The model
# A recurrent layer with 3 memory units (记忆体), then a softmax over the 5 letters.

def build_model():
    import tensorflow as tf
    from keras.layers import Dense, SimpleRNN

    return tf.keras.Sequential([
        tf.keras.Input(shape=(time_steps, len(input_word))),  # Keras 3 builds the model here
        SimpleRNN(3),
        Dense(len(input_word), activation="softmax"),
    ])


parser = letter_parser(__doc__, epochs=100, input_word=input_word, word_length=time_steps)


def main():
    args = parser.parse_args()
    check_checkpoint(checkpoint_save_path, args.epochs, args.fresh, weights_path, curves_path)
    tf = start_tensorflow()
    tf.keras.utils.set_random_seed(7)  # the lecture's tf.random.set_seed(7); Keras 3 also needs Python's seeded
    model = build_model()

    model.compile(optimizer=tf.keras.optimizers.Adam(0.01),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=False),
                  metrics=["sparse_categorical_accuracy"])

    # ## Training, resumed from the best weights so far (断点续训)
    model.optimizer.build(model.trainable_variables)  # first, so that Adam's state resumes too
    resumed = resume_from_checkpoint(model, checkpoint_save_path, fresh=args.fresh, epochs=args.epochs)
    train_data = batches_for_fit(model, x_train, y_train, batch_size=32)
    with keep_best_weights(model, checkpoint_save_path, monitor="loss", resumed=resumed) as cp_callback:
        history = model.fit(train_data, epochs=args.epochs, callbacks=[cp_callback],
                            shuffle=False, verbose=progress_style())  # train_data shuffles itself
    model.summary()

    # ## What was learned: the weights (参数提取) and the curves
    dump_weights(model, weights_path)
    plot_curves(history, curves_path, args.no_show, panels={
        "Training Accuracy": {"Training Accuracy": "sparse_categorical_accuracy"},
        "Training Loss": {"Training Loss": "loss"},
    })

    # ## Predict
    prompt_loop(model, encode, input_word, word_length=time_steps, words=args.predict,
                probs=args.probs, generate=args.generate)


if __name__ == "__main__":
    run_main(main)
