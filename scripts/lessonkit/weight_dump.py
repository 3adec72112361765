"""参数提取 (weight dump): every trainable variable of a model, written to a text file."""
import sys

import numpy as np

from lessonkit.files import reason, write_whole


def dump_weights(model, path):
    """Write each trainable variable: its full path in the model, its shape and all its values.

    Keras 3's `v.path` (`sequential/simple_rnn/simple_rnn_cell/kernel`) says which layer a
    variable belongs to, as the lecture's `v.name` did in TensorFlow 2.1.
    """
    def write(temporary):
        with np.printoptions(threshold=sys.maxsize), open(temporary, "w", encoding="utf-8") as file:
            for v in model.trainable_variables:
                file.write(f"{v.path}\n{tuple(v.shape)}\n{v.numpy()}\n")

    try:
        write_whole(path, write)
    except OSError as error:
        print(f"Warning: could not write {path} ({reason(error)}).")
        return
    print(f"Weights written to {path}")
