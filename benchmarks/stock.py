"""Seconds per training epoch of the stock lessons (SimpleRNN, LSTM, GRU), against the lecture's recipe.

    python benchmarks/stock.py                        on the synthetic series (2,426 days)
    python benchmarks/stock.py --csv SH600519.csv     on a price file
    python benchmarks/stock.py --epochs 5

For each cell, the lesson's model is trained on the same windows in two fresh processes: once as
the lecture's code does it (fit on NumPy arrays, batch 64, validation arrays, TensorFlow's
default threads), once as the scripts do it (import_tensorflow from scripts/startup.py,
prepare_fit and cached_batches from scripts/training.py). The first epoch, which traces the
training step, is left out; the median of the others is printed.
"""
import argparse
import importlib
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
CELLS = {"SimpleRNN": "stock_rnn", "LSTM": "stock_lstm", "GRU": "stock_gru"}


def measure(name, way, csv, epochs):
    """Train one model `way` ('lecture' or 'scripts') and return its median seconds per epoch."""
    if way == "lecture":
        import tensorflow as tf

        tf.constant(0)  # start TensorFlow with its default threads before the scripts' set-up
    from prices import load_opening_prices
    from startup import import_tensorflow
    from training import cached_batches, prepare_fit

    lesson, stock_rnn = importlib.import_module(name), importlib.import_module("stock_rnn")
    _, opens, _ = load_opening_prices(csv, csv is None, stock_rnn.test_days, stock_rnn.time_steps)
    tf = import_tensorflow()
    _, x_train, y_train, x_test, y_test = stock_rnn.scaled_windows(opens)
    model = lesson.build_model()
    model.compile(optimizer=tf.keras.optimizers.Adam(0.001), loss="mean_squared_error")
    if way == "lecture":
        data = dict(x=x_train, y=y_train, batch_size=64, validation_data=(x_test, y_test))
    else:
        data = dict(x=prepare_fit(model, x_train, y_train, batch_size=64),
                    validation_data=cached_batches(x_test, y_test, batch_size=64))
    starts, seconds = {}, []

    class Timer(tf.keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            starts[epoch] = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - starts[epoch])

    model.fit(epochs=1 + epochs, callbacks=[Timer()], verbose=0, **data)
    return statistics.median(seconds[1:])


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv", help="a price file (default: the synthetic series)")
    parser.add_argument("--epochs", type=int, default=3,
                        help="epochs timed after the first (default 3)")
    parser.add_argument("--measure", nargs=2, metavar=("LESSON", "WAY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    csv = os.path.abspath(args.csv) if args.csv else None
    if args.measure:
        print(measure(*args.measure, csv, args.epochs))
        return

    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"data: {args.csv or 'synthetic'}, median of {args.epochs} epochs after the first")
    print(f"{'cell':12}{'lecture s/epoch':>17}{'scripts s/epoch':>17}{'scripts, 50 epochs (s)':>24}")
    for cell, name in CELLS.items():
        timings = []
        for way in ("lecture", "scripts"):
            command = [sys.executable, __file__, "--measure", name, way, "--epochs", str(args.epochs)]
            output = subprocess.run(command + (["--csv", csv] if csv else []), check=True,
                                    capture_output=True, text=True).stdout
            timings.append(float(output.split()[-1]))
        print(f"{cell:12}{timings[0]:17.2f}{timings[1]:17.2f}{50 * timings[1]:24.0f}", flush=True)


if __name__ == "__main__":
    main()
