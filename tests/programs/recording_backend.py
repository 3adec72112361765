"""A matplotlib backend for a screen the tests can read: it draws as Agg does, and where a
desktop's backend would open a window, it prints that it did.

    MPLBACKEND=module://recording_backend  (with tests/programs on PYTHONPATH)
"""
from matplotlib.backend_bases import FigureManagerBase
from matplotlib.backends.backend_agg import FigureCanvasAgg


class FigureManager(FigureManagerBase):
    def show(self):
        print(f"(a window shows figure {self.num})", flush=True)


class FigureCanvas(FigureCanvasAgg):
    manager_class = FigureManager


def show(*args, **kwargs):
    import matplotlib.pyplot as plt

    for number in plt.get_fignums():
        print(f"(a window shows figure {number})", flush=True)
