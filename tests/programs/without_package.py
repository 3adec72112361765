"""Run a script as if a package were not installed: Python's own ModuleNotFoundError for it.

    python without_package.py PACKAGE SCRIPT [ARGS...]
"""
import runpy
import sys
from pathlib import Path

package, script = sys.argv[1], sys.argv[2]
sys.modules[package] = None  # `import package` now fails as it does where it is not installed
sys.argv = sys.argv[2:]
sys.path.insert(0, str(Path(script).resolve().parent))
runpy.run_path(script, run_name="__main__")
