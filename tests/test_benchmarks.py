"""The benchmarks' entry points run, at a tiny size, so that a change to the scripts cannot break them unseen.

What they measure is printed, never asserted: speed is for the README's tables.
"""
import re
import subprocess
import sys

from conftest import ROOT, headless_env, price_table

NUMBER = r"[0-9]+\.[0-9]+"


def run_benchmark(name, *args):
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / f"{name}.py"), *args],
                            capture_output=True, encoding="utf-8", errors="replace",
                            env=headless_env(), timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_the_letters_benchmark_times_a_lesson_and_the_lectures_recipe():
    out = run_benchmark("letters", "--runs", "1", "--lessons", "rnn_onehot_1pre1", "--epochs", "2")
    assert re.search(rf"^rnn_onehot_1pre1\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+-?{NUMBER}\s+{NUMBER}\s+{NUMBER}$",
                     out, flags=re.M), out


def test_the_stock_benchmark_times_a_cell_the_scripts_way_and_the_lectures(tmp_path):
    price_table(400).to_csv(tmp_path / "prices.csv")  # a short file: a tiny run
    out = run_benchmark("stock", "--cells", "SimpleRNN", "--epochs", "1",
                        "--csv", str(tmp_path / "prices.csv"))
    assert re.search(rf"^SimpleRNN\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+[0-9]+$", out, flags=re.M), out
