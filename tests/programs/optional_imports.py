"""Run a script as its own Python would, then say which of Keras's optional packages were imported.

    python optional_imports.py SCRIPT [ARGS...]
"""
import runpy
import sys

OPTIONAL = {"sklearn", "scipy", "pandas"}

script, sys.argv = sys.argv[1], sys.argv[1:]
sys.path.insert(0, str(__import__("pathlib").Path(script).resolve().parent))
try:
    runpy.run_path(script, run_name="__main__")
finally:
    print("imported:", sorted({name.split(".")[0] for name in sys.modules} & OPTIONAL))
