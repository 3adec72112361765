"""One letter in, the next letter out: a SimpleRNN with an Embedding (1pre1).

Lecture 6, 循环神经网络 (recurrent networks), letter prediction with Embedding codes: the task
of rnn_onehot_1pre1.py (a gives b, ..., e gives a), but each letter enters as its id, and an
Embedding layer learns a vector of 2 numbers for it, instead of a fixed one-hot row of 5.

    python scripts/rnn_embedding_1pre1.py            train (or resume), then answer at the prompt
    python scripts/rnn_embedding_1pre1.py --help     the flags

Each `# %%` below starts a cell: VS Code, PyCharm, Spyder and jupytext run the lesson cell by cell.
"""
# %% Setup
# The lecture's imports. `lessonkit` comes first: it is what keeps a classroom run safe
# (one line instead of a traceback, checkpoints written whole, pictures saved where there is
# no screen, a quiet TensorFlow start), and every `lessonkit.` below is its part, not the lecture's.
import lessonkit
import numpy as np
import tensorflow as tf
from tensorflow.keras.layers import Dense, Embedding, SimpleRNN
import matplotlib.pyplot as plt

# %% The data
# A network reads numbers, not letters, so each letter gets an id. The ids go in as they are:
# the Embedding layer turns each into a vector it learns (词向量), unlike a fixed one-hot row.
# Each sample is one letter, its label the next.
input_word = "abcde"
w_to_id = {'a': 0, 'b': 1, 'c': 2, 'd': 3, 'e': 4}
time_steps = 1  # 循环核时间展开步数 (time steps): one letter per sample

x_train = [w_to_id['a'], w_to_id['b'], w_to_id['c'], w_to_id['d'], w_to_id['e']]
y_train = [w_to_id['b'], w_to_id['c'], w_to_id['d'], w_to_id['e'], w_to_id['a']]

# Samples and labels shuffled alike: the same seed before each shuffle.
np.random.seed(7)
np.random.shuffle(x_train)
np.random.seed(7)
np.random.shuffle(y_train)
tf.keras.utils.set_random_seed(7)  # the lecture's tf.random.set_seed(7); Keras 3 also needs Python's

# Embedding takes [samples, time steps]: here [5, 1].
x_train = np.reshape(x_train, (len(x_train), 1))
y_train = np.array(y_train)

# %% The flags
# `--help` lists them; without any, the lesson is the lecture's.
args = lessonkit.letter_flags(__doc__, epochs=100, input_word=input_word, time_steps=time_steps)
NAME = args.name  # this file's name: a copy of the lesson is a lesson of its own

# %% The model
# An Embedding of the 5 letters in 2 numbers each (a 5 x 2 table it learns), a recurrent layer
# with 3 memory units (记忆体), then a softmax over the 5 letters.
model = tf.keras.Sequential([
    tf.keras.Input(shape=(1,)),  # Keras 3 builds the model here, so that weights can be loaded
    Embedding(5, 2),
    SimpleRNN(3),
    Dense(5, activation='softmax')
])

model.compile(optimizer=tf.keras.optimizers.Adam(0.01),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=False),
              metrics=['sparse_categorical_accuracy'])

# %% 断点续训 (resume from a checkpoint)
# The best weights so far are kept in a checkpoint; the next run starts from them.
checkpoint_save_path = f"./checkpoint/{NAME}.weights.h5"

if lessonkit.checkpoint_to_load(model, checkpoint_save_path, args):
    print('-------------load the model-----------------')
    print(f"(resuming from {checkpoint_save_path}: 断点续训)")
    model.load_weights(checkpoint_save_path)

cp_callback = lessonkit.ModelCheckpoint(filepath=checkpoint_save_path,
                                        save_weights_only=True,
                                        save_best_only=True,
                                        monitor='loss')  # no test set here: the best is by loss

# %% Training
# The batches fit(x_train, y_train, batch_size=32) would make, made once: the same lesson, faster.
train_data = lessonkit.batches(model, x_train, y_train, batch_size=32)
history = model.fit(train_data, epochs=args.epochs, callbacks=[cp_callback],
                    shuffle=False, verbose=lessonkit.progress_style())  # train_data shuffles itself

model.summary()

# %% 参数提取 (the weight dump)
# Every trainable variable: its path in the model, its shape, its values.
with lessonkit.weights_file(f"./{NAME}_weights.txt") as file:
    for v in model.trainable_variables:
        file.write(str(v.path) + '\n')
        file.write(str(v.shape) + '\n')
        file.write(str(v.numpy()) + '\n')

# %% The curves
acc = history.history['sparse_categorical_accuracy']
loss = history.history['loss']

plt.subplot(1, 2, 1)
plt.plot(acc, label='Training Accuracy')
plt.title('Training Accuracy')
plt.legend()

plt.subplot(1, 2, 2)
plt.plot(loss, label='Training Loss')
plt.title('Training Loss')
plt.legend()
lessonkit.show_or_save(f"{NAME}_curves.png", args, history=history)  # the lecture's plt.show()

# %% Predict
# How many letters to try, then each letter: its id, reshaped to [1 sample, 1 time step],
# the model's answer, and the most probable letter.


def predict(alphabet1):
    alphabet = [w_to_id[a] for a in alphabet1]
    alphabet = np.reshape(alphabet, (1, 1))
    result = model(alphabet)
    pred = tf.argmax(result, axis=1)
    pred = int(pred[0])
    return input_word[pred], result


preNum = lessonkit.ask_count("input the number of test alphabet:", args)
for i in range(preNum):
    alphabet1 = lessonkit.ask_word("input test alphabet:", input_word, time_steps, args)
    letter, result = predict(alphabet1)
    print(alphabet1 + '->' + letter + lessonkit.more_letters(predict, alphabet1 + letter, args))
    lessonkit.show_probs(result, input_word, args)
