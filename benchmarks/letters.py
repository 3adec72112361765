"""How long a class waits: time to the first prompt and per prediction, for each letter lesson.

    python benchmarks/letters.py [--runs 3]

Each run starts the script with its defaults (100 epochs from no checkpoint, headless) in a
fresh temporary directory, waits for its first prompt, then types the lesson's training cycles
and times each answer. Prints the median of the runs, beside the time of a bare
`python -c "import tensorflow"`, which no script can beat.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"
LESSONS = {
    "rnn_onehot_1pre1": ["a", "b", "c", "d", "e"],
    "rnn_onehot_4pre1": ["abcd", "bcde", "cdea", "deab", "eabc"],
    "rnn_embedding_1pre1": ["a", "b", "c", "d", "e"],
    "rnn_embedding_4pre1": ["abcd", "hijk", "opqr", "vwxy"],
}


def environment():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


class Reader:
    """Reads a script's stdout up to a marker, keeping what came after it for the next read."""

    def __init__(self, process):
        self.fd, self.pending = process.stdout.fileno(), b""

    def until(self, marker):
        while marker not in self.pending:
            chunk = os.read(self.fd, 65536)
            if not chunk:
                raise RuntimeError(f"the script ended before printing {marker!r}")
            self.pending += chunk
        seen, _, self.pending = self.pending.partition(marker)
        return seen + marker


def import_time():
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import tensorflow"], check=True, env=environment(),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def one_run(lesson, words):
    """(seconds to the first prompt, [seconds per prediction]) for one run in a fresh directory."""
    with tempfile.TemporaryDirectory() as cwd:
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, str(SCRIPTS / f"{lesson}.py")], cwd=cwd,
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, env=environment())
        reader = Reader(process)
        reader.until(b"input the number of test alphabet:")
        to_prompt = time.perf_counter() - start
        process.stdin.write(f"{len(words)}\n".encode())
        process.stdin.flush()
        per_prediction = []
        for word in words:
            reader.until(b"input test alphabet:")
            asked = time.perf_counter()
            process.stdin.write(f"{word}\n".encode())
            process.stdin.flush()
            reader.until(b"\n")
            per_prediction.append(time.perf_counter() - asked)
        process.stdin.close()
        process.wait(timeout=60)
        return to_prompt, per_prediction


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (default 3)")
    args = parser.parse_args()

    bare = statistics.median(import_time() for _ in range(args.runs))
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"median of {args.runs} runs")
    print(f"{'':22}{'to prompt (s)':>15}{'import + 3 s':>14}{'per prediction (ms)':>22}")
    print(f"{'import tensorflow':22}{bare:15.2f}")
    for lesson, words in LESSONS.items():
        runs = [one_run(lesson, words) for _ in range(args.runs)]
        to_prompt = statistics.median(r[0] for r in runs)
        prediction = statistics.median(t for r in runs for t in r[1]) * 1000
        print(f"{lesson:22}{to_prompt:15.2f}{bare + 3:14.2f}{prediction:22.1f}")


if __name__ == "__main__":
    main()
