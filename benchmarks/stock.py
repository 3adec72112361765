"""Seconds per training epoch of the stock lessons (SimpleRNN, LSTM, GRU), the scripts against the lecture.

    python benchmarks/stock.py                          on the synthetic series (2,426 days)
    python benchmarks/stock.py --csv scripts/SH600519.csv --epochs 5
    python benchmarks/stock.py --against OTHER/scripts  against another copy of the scripts

The scripts are run as a student runs them (`python scripts/stock_rnn.py --epochs N`, headless,
from no checkpoint, in a fresh folder); each epoch's time is read from what Keras prints. The
lecture's way is its recipe, in a process of its own: the lesson's model fit on NumPy arrays,
batch 64, validated on the test windows, with TensorFlow's default threads. With --against, the
same lesson of another copy of the scripts (an earlier commit, say) is run instead. The first
epoch, which traces the training step, is left out; the median of the others is printed.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from headless import environment

HERE = Path(__file__).resolve().parent
SCRIPTS = HERE.parent / "scripts"
CELLS = {"SimpleRNN": "stock_rnn", "LSTM": "stock_lstm", "GRU": "stock_gru"}


UNIT = {"s": 1, "ms": 1e-3, "us": 1e-6}


def epoch_seconds(output):
    """Seconds of each epoch, from the lesson's lines where no bar is drawn: 'Epoch 2/6 - 0.52s - loss: ...'
    (an earlier copy of the scripts: Keras's '33/33 - 2s - 65ms/step - loss: ...')."""
    plain = [float(seconds) for seconds in re.findall(r"^Epoch \d+/\d+ - ([0-9.]+)s - ", output, flags=re.M)]
    return plain or [int(steps) * float(time) * UNIT[unit] for steps, time, unit in
                     re.findall(r"^(\d+)/\1 - \S+ - ([0-9.]+)(s|ms|us)/step", output, flags=re.M)]


def run_lesson(scripts, name, csv, epochs):
    """Median seconds per epoch of scripts/<name>.py, run as a student runs it, after the first."""
    with tempfile.TemporaryDirectory() as cwd:
        data = ["--csv", csv] if csv else ["--synthetic"]
        command = [sys.executable, str(Path(scripts) / f"{name}.py"), "--epochs", str(1 + epochs),
                   "--no-show", *data]
        output = subprocess.run(command, cwd=cwd, env=environment(), capture_output=True,
                                encoding="utf-8", errors="replace", check=True).stdout
    return statistics.median(epoch_seconds(output)[1:])


def measure_lecture(name, csv, epochs):
    """Median seconds per epoch of the lecture's recipe for the lesson's model, in this process."""
    import tensorflow as tf

    tf.constant(0)  # TensorFlow starts with its default threads, as in the lecture
    import numpy as np
    from sklearn.preprocessing import MinMaxScaler

    sys.path.insert(0, str(SCRIPTS))
    from lessonkit import prices

    if csv:
        _, opens, _ = prices.load_opening_prices(csv, 300, 60)
    else:
        _, opens = prices.synthetic_prices()
    sc = MinMaxScaler(feature_range=(0, 1))  # the lecture's recipe: 300 test days, 60-day windows
    training, test = sc.fit_transform(opens[:-300, None])[:, 0], sc.transform(opens[-300:, None])[:, 0]
    x_train = np.array([training[i - 60:i] for i in range(60, len(training))])[..., None]
    y_train = training[60:]
    x_test = np.array([test[i - 60:i] for i in range(60, len(test))])[..., None]
    y_test = test[60:]
    cell = getattr(tf.keras.layers, {"stock_rnn": "SimpleRNN", "stock_lstm": "LSTM",
                                     "stock_gru": "GRU"}[name])
    model = tf.keras.Sequential([tf.keras.Input((60, 1)), cell(80, return_sequences=True),
                                 tf.keras.layers.Dropout(0.2), cell(100),
                                 tf.keras.layers.Dropout(0.2), tf.keras.layers.Dense(1)])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.001), loss="mean_squared_error")
    starts, seconds = {}, []

    class Timer(tf.keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            starts[epoch] = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - starts[epoch])

    model.fit(x_train, y_train, batch_size=64, epochs=1 + epochs, validation_data=(x_test, y_test),
              validation_freq=1, callbacks=[Timer()], verbose=0)
    return statistics.median(seconds[1:])


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv", help="a price file (default: the synthetic series)")
    parser.add_argument("--epochs", type=int, default=3,
                        help="epochs timed after the first (default 3; at most 9, each printed)")
    parser.add_argument("--runs", type=int, default=1,
                        help="alternating runs of each way; the median is printed (default 1)")
    parser.add_argument("--cells", nargs="+", choices=list(CELLS), default=list(CELLS),
                        help="which cells (default: all three)")
    parser.add_argument("--against", default="lecture", metavar="lecture|FOLDER",
                        help="the lecture's recipe (default), or a folder of other scripts")
    parser.add_argument("--lecture", metavar="LESSON", help=argparse.SUPPRESS)
    args = parser.parse_args()
    csv = os.path.abspath(args.csv) if args.csv else None
    if args.lecture:  # one measurement of the lecture's way, in a fresh process
        print(measure_lecture(args.lecture, csv, args.epochs))
        return

    other = "lecture" if args.against == "lecture" else "other"
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"data: {args.csv or 'synthetic'}, median of {args.epochs} epochs after the first, "
          f"{args.runs} run(s) of each way")
    print(f"{'cell':12}{other + ' s/epoch':>17}{'scripts s/epoch':>17}{'ratio':>8}"
          f"{'scripts, 50 epochs (s)':>24}")
    for cell in args.cells:
        name, times = CELLS[cell], {"theirs": [], "ours": []}
        for _ in range(args.runs):
            if args.against == "lecture":
                command = [sys.executable, __file__, "--lecture", name, "--epochs", str(args.epochs)]
                output = subprocess.run(command + (["--csv", csv] if csv else []), check=True,
                                        capture_output=True, env=environment(),
                                        encoding="utf-8", errors="replace").stdout
                times["theirs"].append(float(output.split()[-1]))
            else:
                times["theirs"].append(run_lesson(args.against, name, csv, args.epochs))
            times["ours"].append(run_lesson(SCRIPTS, name, csv, args.epochs))
        theirs, ours = statistics.median(times["theirs"]), statistics.median(times["ours"])
        print(f"{cell:12}{theirs:17.3f}{ours:17.3f}{ours / theirs:8.2f}{50 * ours:24.0f}", flush=True)


if __name__ == "__main__":
    main()
