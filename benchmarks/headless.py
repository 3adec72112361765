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
