"""Helpers for running the real scripts as a user would: a subprocess, a working directory, stdin."""
import importlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"

# Each letter lesson: its training cycles (input -> the letter that should follow).
LESSONS = {
    "rnn_onehot_1pre1": {"a": "b", "b": "c", "c": "d", "d": "e", "e": "a"},
    "rnn_onehot_4pre1": {"abcd": "e", "bcde": "a", "cdea": "b", "deab": "c", "eabc": "d"},
    "rnn_embedding_1pre1": {"a": "b", "b": "c", "c": "d", "d": "e", "e": "a"},
    "rnn_embedding_4pre1": {
        "abcdefghijklmnopqrstuvwxyz"[i - 4:i]: "abcdefghijklmnopqrstuvwxyz"[i] for i in range(4, 26)
    },
}


def headless_env():
    """The environment of a lab server: no display, unbuffered output, no Keras backend games."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "MPLBACKEND", "KERAS_BACKEND")}
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def run_script(script, *args, cwd, stdin="", timeout=600, env=None, wrapper=(), **popen):
    """Run scripts/<script>.py in `cwd` with `stdin` typed in (text, or bytes as they are).

    `env` adds to or overrides the headless environment; `wrapper` is a command that runs the
    script's command line. Output is decoded as UTF-8, with anything undecodable replaced.
    Returns the completed process; never a traceback.
    """
    result = subprocess.run(
        [*wrapper, sys.executable, str(SCRIPTS / f"{script}.py"), *args], cwd=cwd,
        input=stdin.encode() if isinstance(stdin, str) else stdin,
        capture_output=True, timeout=timeout, env={**headless_env(), **(env or {})}, **popen)
    result.stdout = result.stdout.decode("utf-8", errors="replace")
    result.stderr = result.stderr.decode("utf-8", errors="replace")
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    return result


def scripts_module(name):
    """Import scripts/<name>.py into the test process."""
    sys.path.insert(0, str(SCRIPTS))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(SCRIPTS))


def price_table(rows, seed=0):
    """A random-walk price table in tushare's layout."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    close = 50 * np.exp(np.cumsum(rng.normal(0.001, 0.02, rows)))
    return pd.DataFrame({
        "date": pd.bdate_range("2015-01-05", periods=rows).strftime("%Y-%m-%d"),
        "open": (close * np.exp(rng.normal(0, 0.005, rows))).round(3), "close": close.round(3),
        "high": (close * 1.01).round(3), "low": (close * 0.99).round(3),
        "volume": rng.integers(1000, 9000, rows), "code": 600519,
    })


# A row of the stock lessons' error table: name, MSE, RMSE, MAE.
TABLE_ROW = r"^{name}\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)$"


def epoch_losses(stdout):
    """The loss Keras reports for each epoch, in order."""
    return [float(x) for x in re.findall(r"step - loss: ([0-9.e+-]+)", stdout)]


def epoch_accuracies(stdout):
    return [float(x) for x in re.findall(r"sparse_categorical_accuracy: ([0-9.e+-]+)", stdout)]


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    """Train each lesson once with its defaults, answering every training cycle at the prompt.

    Returns a function lesson -> (its working directory, the completed process). Tests that
    change files work on a copy (see `copy_of`).
    """
    runs = {}

    def get(lesson):
        if lesson not in runs:
            cwd = tmp_path_factory.mktemp(lesson)
            cycles = LESSONS[lesson]
            stdin = f"{len(cycles)}\n" + "".join(f"{word}\n" for word in cycles)
            runs[lesson] = (cwd, run_script(lesson, cwd=cwd, stdin=stdin))
        return runs[lesson]

    return get


@pytest.fixture
def copy_of(trained, tmp_path):
    """A fresh working directory holding what a lesson's default run left behind."""
    def make(lesson):
        source, _ = trained(lesson)
        target = tmp_path / lesson
        shutil.copytree(source, target)
        return target

    return make
