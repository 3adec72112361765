"""How long a class waits: each letter lesson's time to its first prompt, and per answer.

    python benchmarks/letters.py [--runs 5] [--lessons rnn_onehot_1pre1 ...] [--epochs 100]
    python benchmarks/letters.py --against OTHER/scripts      against another copy of the scripts

For each letter lesson, runs the script with its defaults (100 epochs from no checkpoint,
headless) and, one after the other, what it is set against: lecture_recipe.py (the published
recipe, changed only where Keras 3 demands), or the same lesson in another copy of the scripts
(an earlier commit, say), and a bare `python -c "import tensorflow"`. Each run starts in a fresh
temporary directory; the three alternate, so that all see the same machine. Each run is timed to
its first prompt, then types the lesson's training cycles and times each answer. Prints the
medians, and the ratio of what each spends beyond the bare import: (lesson - import) /
(lecture - import), which does not move with how fast a machine imports TensorFlow.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from headless import environment, training_cycles

HERE = Path(__file__).resolve().parent
SCRIPTS = HERE.parent / "scripts"
LESSONS = ("rnn_onehot_1pre1", "rnn_onehot_4pre1", "rnn_embedding_1pre1", "rnn_embedding_4pre1")
ANSWERS = 5  # training cycles typed at the prompt, of each lesson: its first five
PROMPT = b"input the number of test alphabet:"


class Reader:
    """Reads a process's output up to a marker, keeping what came after it for the next read."""

    def __init__(self, process):
        self.fd, self.pending = process.stdout.fileno(), b""

    def until(self, marker):
        while marker not in self.pending:
            chunk = os.read(self.fd, 65536)
            if not chunk:
                raise RuntimeError(f"the run ended before printing {marker!r}")
            self.pending += chunk
        seen, _, self.pending = self.pending.partition(marker)
        return seen + marker


def one_run(command, words):
    """(seconds to the first prompt, [seconds per answer]) for one run in a fresh directory."""
    with tempfile.TemporaryDirectory() as cwd:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   env=environment())
        reader = Reader(process)
        reader.until(PROMPT)
        to_prompt = time.perf_counter() - start
        process.stdin.write(f"{len(words)}\n".encode())
        process.stdin.flush()
        per_answer = []
        for word in words:
            reader.until(b"input test alphabet:")
            asked = time.perf_counter()
            process.stdin.write(f"{word}\n".encode())
            process.stdin.flush()
            reader.until(f"{word}->".encode())
            reader.until(b"\n")
            per_answer.append(time.perf_counter() - asked)
        process.stdin.close()
        process.wait(timeout=60)
        return to_prompt, per_answer


def bare_import():
    """Seconds a fresh Python takes to `import tensorflow`, in a fresh directory."""
    with tempfile.TemporaryDirectory() as cwd:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import tensorflow"], cwd=cwd, env=environment(),
                       check=True, capture_output=True)
        return time.perf_counter() - start


def commands(lesson, epochs, against):
    """{way: command line}: these scripts, and the lecture's recipe or another copy's lesson."""
    ours = [sys.executable, str(SCRIPTS / f"{lesson}.py"), "--epochs", str(epochs)]
    if against == "lecture":
        other = [sys.executable, str(HERE / "lecture_recipe.py"), lesson, str(epochs)]
    else:
        other = [sys.executable, str(Path(against) / f"{lesson}.py")]
        other += [] if epochs == 100 else ["--epochs", str(epochs)]
    return {"scripts": ours, "other": other}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="runs of each way (default 5)")
    parser.add_argument("--lessons", nargs="+", choices=list(LESSONS), default=list(LESSONS),
                        metavar="LESSON", help="which lessons (default: all four)")
    parser.add_argument("--epochs", type=int, default=100,
                        help="epochs of training before the prompt (default: the lecture's 100)")
    parser.add_argument("--against", default="lecture", metavar="lecture|FOLDER",
                        help="the lecture's recipe (default), or a folder of other scripts")
    args = parser.parse_args()

    other = "lecture" if args.against == "lecture" else "other"
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"median of {args.runs} alternating runs of each way, {args.epochs} epochs")
    print(f"{'':22}{'to prompt (s)':>38}{'beyond import':>15}{'per answer (ms)':>24}")
    print(f"{'':22}{'scripts':>10}{other:>10}{'import':>10}{'ratio':>15}{'scripts':>12}{other:>12}")
    cycles = training_cycles(*(SCRIPTS / f"{lesson}.py" for lesson in args.lessons))
    for lesson in args.lessons:
        words = list(cycles[str(SCRIPTS / f"{lesson}.py")])[:ANSWERS]
        ways = commands(lesson, args.epochs, args.against)
        runs, imports = {way: [] for way in ways}, []
        for _ in range(args.runs):
            for way, command in ways.items():
                runs[way].append(one_run(command, words))
            imports.append(bare_import())
        prompt = {way: statistics.median(r[0] for r in runs[way]) for way in ways}
        answer = {way: statistics.median(t for r in runs[way] for t in r[1]) * 1000
                  for way in ways}
        imported = statistics.median(imports)
        print(f"{lesson:22}{prompt['scripts']:10.2f}{prompt['other']:10.2f}{imported:10.2f}"
              f"{(prompt['scripts'] - imported) / (prompt['other'] - imported):15.2f}"
              f"{answer['scripts']:12.1f}{answer['other']:12.1f}", flush=True)


if __name__ == "__main__":
    main()
