"""A letter lesson done the lecture's way, for benchmarks/letters.py to time beside the script.

    python benchmarks/lecture_recipe.py rnn_onehot_4pre1 [EPOCHS]

The published recipe, step by step, changed only where Keras 3 demands it: an Input layer so
that the model is built before weights are loaded, a `.weights.h5` checkpoint path, and the
plot saved instead of shown (the benchmark has no screen). It trains with `fit` on NumPy
arrays and a ModelCheckpoint that saves at every better epoch, answers each word with
`model.predict`, and prints with `tf.print`. The data are the lecture's: the lesson's letters,
one or four in a sample, as one-hot codes or ids, shuffled with seed 7.
"""
import os
import sys

import tensorflow as tf  # the lecture imports TensorFlow first, whole

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from tensorflow.keras.layers import Dense, Embedding, SimpleRNN  # noqa: E402

LAYERS = {  # the lecture's model of each lesson, after its Input
    "rnn_onehot_1pre1": lambda: [SimpleRNN(3), Dense(5, activation="softmax")],
    "rnn_onehot_4pre1": lambda: [SimpleRNN(3), Dense(5, activation="softmax")],
    "rnn_embedding_1pre1": lambda: [Embedding(5, 2), SimpleRNN(3), Dense(5, activation="softmax")],
    "rnn_embedding_4pre1": lambda: [Embedding(26, 2), SimpleRNN(10),
                                    Dense(26, activation="softmax")],
}

name = sys.argv[1]
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 100
input_word = "abcdefghijklmnopqrstuvwxyz" if name == "rnn_embedding_4pre1" else "abcde"
w_to_id = {letter: i for i, letter in enumerate(input_word)}
time_steps = 4 if name.endswith("4pre1") else 1
one_hot = name.startswith("rnn_onehot")
if name == "rnn_embedding_4pre1":  # every four letters of the alphabet, and the fifth
    samples = [(list(range(i - 4, i)), i) for i in range(4, 26)]
else:  # round the cycle a-e
    samples = [([(i + k) % 5 for k in range(time_steps)], (i + time_steps) % 5) for i in range(5)]


def encode(ids):
    return [np.eye(len(input_word))[i] for i in ids] if one_hot else list(ids)


x_train = [encode(ids) for ids, _ in samples]
y_train = [label for _, label in samples]
np.random.seed(7)
np.random.shuffle(x_train)
np.random.seed(7)
np.random.shuffle(y_train)
tf.random.set_seed(7)
x_train = np.reshape(x_train, (len(x_train), time_steps, len(input_word)) if one_hot
                     else (len(x_train), time_steps))
y_train = np.array(y_train)

model = tf.keras.Sequential([tf.keras.Input(shape=x_train.shape[1:]), *LAYERS[name]()])
model.compile(optimizer=tf.keras.optimizers.Adam(0.01),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=False),
              metrics=["sparse_categorical_accuracy"])

checkpoint_save_path = f"./checkpoint/{name}.weights.h5"
if os.path.exists(checkpoint_save_path):
    print("-------------load the model-----------------")
    model.load_weights(checkpoint_save_path)
cp_callback = tf.keras.callbacks.ModelCheckpoint(filepath=checkpoint_save_path,
                                                 save_weights_only=True, save_best_only=True,
                                                 monitor="loss")
history = model.fit(x_train, y_train, batch_size=32, epochs=epochs, callbacks=[cp_callback])
model.summary()

with open("./weights.txt", "w", encoding="utf-8") as file:
    for v in model.trainable_variables:
        file.write(str(v.name) + "\n" + str(v.shape) + "\n" + str(v.numpy()) + "\n")

acc, loss = history.history["sparse_categorical_accuracy"], history.history["loss"]
plt.subplot(1, 2, 1)
plt.plot(acc, label="Training Accuracy")
plt.title("Training Accuracy")
plt.legend()
plt.subplot(1, 2, 2)
plt.plot(loss, label="Training Loss")
plt.title("Training Loss")
plt.legend()
plt.savefig(f"{name}_lecture_curves.png")

preNum = int(input("input the number of test alphabet:"))
for i in range(preNum):
    alphabet1 = input("input test alphabet:")
    alphabet = np.reshape(encode([w_to_id[a] for a in alphabet1]), (1, *x_train.shape[1:]))
    result = model.predict(alphabet)
    pred = int(tf.argmax(result, axis=1)[0])
    tf.print(alphabet1 + "->" + input_word[pred])
