"""Four letters in, the next letter out: a SimpleRNN on one-hot encoded letters (4pre1).

Lecture 6, 循环神经网络 (recurrent networks), letter prediction with one-hot codes, unrolled
over time: the four letters enter one per time step, and the memory carries them forward, so
abcd gives e, bcde gives a, and so on round the cycle a-e.

    python scripts/rnn_onehot_4pre1.py            train (or resume), then answer at the prompt
    python scripts/rnn_onehot_4pre1.py --help     the flags
"""
import numpy as np

from checkpoints import (dump_weights, keep_best_weights, prepare_checkpoint_folder,
                         resume_from_checkpoint)
from plots import plot_curves
from prompt import parse_letter_args, prompt_loop
from startup import import_tensorflow, run_main
from training import prepare_fit, progress_verbosity

NAME = "rnn_onehot_4pre1"
checkpoint_save_path = f"./checkpoint/{NAME}.weights.h5"
weights_path, curves_path = f"./{NAME}_weights.txt", f"{NAME}_curves.png"

# ## The data
# A network reads numbers, not letters, so each letter gets an id and each id a one-hot vector:
# a row of five numbers with a single 1 (独热码).

input_word = "abcde"
w_to_id = {letter: i for i, letter in enumerate(input_word)}
id_to_onehot = {i: np.eye(len(input_word))[i] for i in range(len(input_word))}
time_steps = 4  # 循环核时间展开步数 (time steps): four letters per sample, one per step

# Each sample: the letters fed in, and the letter that should follow them.
samples = [("abcd", "e"), ("bcde", "a"), ("cdea", "b"), ("deab", "c"), ("eabc", "d")]


def encode(word):
    """Letters -> one sample for SimpleRNN: [time steps, features per step] = [4, 5]."""
    return np.array([id_to_onehot[w_to_id[letter]] for letter in word], dtype="float32")


# SimpleRNN takes [samples, time steps, features per step]: here [5, 4, 5].
x_train = np.array([encode(word) for word, _ in samples])
y_train = np.array([w_to_id[next_letter] for _, next_letter in samples])

# Shuffle samples and labels with one permutation, seed 7, as the lecture does.
order = np.random.RandomState(7).permutation(len(x_train))
x_train, y_train = x_train[order], y_train[order]


# ## The model
# A recurrent layer with 3 memory units (记忆体), then a softmax over the 5 letters.

def build_model():
    tf = import_tensorflow()
    from keras.layers import Dense, SimpleRNN

    return tf.keras.Sequential([
        tf.keras.Input(shape=(time_steps, len(input_word))),  # Keras 3 builds the model here
        SimpleRNN(3),
        Dense(len(input_word), activation="softmax"),
    ])


def main():
    args = parse_letter_args(__doc__, input_word, word_length=time_steps, epochs=100)
    prepare_checkpoint_folder(checkpoint_save_path, weights_path, curves_path)
    tf = import_tensorflow()
    model = build_model()

    model.compile(optimizer=tf.keras.optimizers.Adam(0.01),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=False),
                  metrics=["sparse_categorical_accuracy"])

    # ## Training, resumed from the last best weights when there are some (断点续训)
    train_data = prepare_fit(model, x_train, y_train, batch_size=32)
    resume_from_checkpoint(model, checkpoint_save_path, fresh=args.fresh, epochs=args.epochs)
    with keep_best_weights(model, checkpoint_save_path, monitor="loss") as cp_callback:
        history = model.fit(train_data, epochs=args.epochs, callbacks=[cp_callback],
                            verbose=progress_verbosity())
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
