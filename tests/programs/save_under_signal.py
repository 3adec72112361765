"""Train a tiny model three epochs, and send this process a signal just as its best weights are written.

    python save_under_signal.py SCRIPTS_FOLDER SIGNAL_NAME...

Once for each signal named, each training with a checkpoint folder of its own (./SIGNAL_NAME/checkpoint):
after each but the last, the ending is caught and its status printed; the last ends the process.
Training is over in well under the 3 seconds between writes: the one write is the one after training.
"""
import signal
import sys

import numpy as np

sys.path.insert(0, sys.argv[1])
import lessonkit  # noqa: E402
import tensorflow as tf  # noqa: E402
from lessonkit.exits import Ending  # noqa: E402


def train_signalled(signal_name):
    model = tf.keras.Sequential([tf.keras.Input((1, 5)), tf.keras.layers.SimpleRNN(3),
                                 tf.keras.layers.Dense(5, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    real_save = model.save_weights

    def save_while_signalled(path):
        signal.raise_signal(getattr(signal, signal_name))  # arrives as the write starts
        real_save(path)

    model.save_weights = save_while_signalled
    x, y = np.eye(5, dtype="float32")[:, None, :], np.arange(5)
    cp_callback = lessonkit.ModelCheckpoint(filepath=f"./{signal_name}/checkpoint/lesson.weights.h5",
                                            monitor="loss")
    model.fit(x, y, epochs=3, callbacks=[cp_callback], verbose=0)


*others, last = sys.argv[2:]
for signal_name in others:
    try:
        train_signalled(signal_name)
    except Ending as ended:
        print(f"{signal_name}: status {ended.status}", flush=True)
train_signalled(last)
print("not reached: the run must end as an interrupted one")
