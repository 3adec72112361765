"""The environment the benchmarks run a script in: a lab server's.

No display (plots go to files), unbuffered output, TensorFlow's start-up log off, and output
written as UTF-8, which the benchmarks read as UTF-8 (anything undecodable replaced): the
lessons' Chinese (均方误差) reads the same whatever the platform's own codec.
"""
import os


def environment():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(PYTHONUNBUFFERED="1", PYTHONIOENCODING="utf-8", TF_CPP_MIN_LOG_LEVEL="3",
               MPLBACKEND="Agg")
    return env


# ## What a letter lesson trains on, taken from the lesson itself

CYCLES_PROGRAM = r"""
import json, re, sys
import numpy as np
found = {}
for path in sys.argv[1:]:
    source = open(path, encoding="utf-8").read()
    data = source.split("model = tf.keras.Sequential")[0]  # the lesson's imports and its data
    # without TensorFlow, which these cells only import and seed, and without the collection's
    # lines: read in a fraction of a second
    data = "\n".join("" if re.match(r"(import tensorflow|from tensorflow|tf\.|import lessonkit|args = )", line)
                     else line for line in data.splitlines())
    space = {"__name__": "lesson_data"}
    exec(compile(data, path, "exec"), space)
    letters = {i: c for c, i in space["w_to_id"].items()}
    words = []
    for sample in np.asarray(space["x_train"]):
        ids = sample.argmax(-1) if sample.ndim == 2 else sample  # one-hot rows, or ids
        words.append("".join(letters[int(i)] for i in np.atleast_1d(ids)))
    labels = [letters[int(i)] for i in space["y_train"]]
    order = sorted(range(len(words)), key=lambda k: words[k])  # the shuffle undone, for reading
    found[path] = {words[k]: labels[k] for k in order}
print(json.dumps(found))
"""


def training_cycles(*lesson_paths):
    """{lesson path: {word: the letter that follows it}}: the samples each lesson trains on, read
    by running the lesson's data cells (its imports and its data, but TensorFlow's lines) in a
    Python of their own."""
    import json
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", CYCLES_PROGRAM, *map(str, lesson_paths)],
                            capture_output=True, env=environment(), check=True, timeout=300)
    return json.loads(result.stdout.decode("utf-8").strip().splitlines()[-1])
