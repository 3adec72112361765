"""The lecture's `plt.show()`: the figure the lesson drew, saved as PNG, and shown where it can be.

Shown means a window on a desktop, a picture under the cell in a notebook. Nothing here changes
matplotlib's backend: a lab server's pyplot draws to files by itself (Agg), a notebook's inline.

Before it is saved, the figure is made ready for a projector without changing what the lesson
drew: every text at least 11 pt, the PNG at least 1200 pixels wide, and for training curves the
lesson's name, `Epoch` on the x axis, epochs counted from 1 as the run counted them (101-105
after a 100-epoch checkpoint) and, for a validation loss, the epoch the checkpoint holds.
"""
import os

from lessonkit import platforms
from lessonkit.files import reason, write_whole

# Backends that draw to files only. Inline backends are shown only inside a notebook kernel.
FILE_BACKENDS = {"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"}
INLINE_BACKENDS = {"inline", "module://matplotlib_inline.backend_inline",
                   "module://ipykernel.pylab.backend_inline"}
SMALLEST_TEXT = 11  # points
DPI = 200           # a 6.4 x 4.8 inch figure: 1280 x 960 pixels


def can_show_plots(no_show, facts=None, backend=None):
    """Whether a picture can be shown here, not only saved.

    `backend` is the backend matplotlib was told to use (MPLBACKEND, matplotlibrc, a notebook's
    %matplotlib), or None when it will choose one itself.
    """
    facts = facts or platforms.current()
    backend = (chosen_backend() if backend is None else backend) or ""
    if no_show:
        return False
    if backend.lower() in INLINE_BACKENDS:
        return facts.in_kernel  # outside a kernel (!python in a notebook) it prints Figure(...)
    if backend.lower() in FILE_BACKENDS:
        return False
    return facts.in_kernel or has_a_screen(facts)


def has_a_screen(facts):
    """Whether a window can open: a desktop session, not a server, SSH or a service."""
    env = facts.environ
    over_ssh = any(env.get(name) for name in ("SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"))
    if facts.os == "linux":
        return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))
    if facts.os == "darwin":
        return not over_ssh  # a login over SSH cannot reach the Mac's window server
    return not over_ssh and facts.session_id != 0  # session 0: a service or a scheduled task


def chosen_backend():
    """The backend matplotlib was told to use, without making it choose one (None if not told)."""
    import matplotlib

    backend = dict.__getitem__(matplotlib.rcParams, "backend")
    return backend if isinstance(backend, str) else None


def show_or_save(png_path, args, history=None, what=None):
    """The lecture's plt.show() for pyplot's current figure: saved as PNG (its path printed), then
    shown where something can show it, then closed.

    With `history` (what fit returned), the figure is the training curves: a run that trained
    nothing (--epochs 0) has none, so nothing is drawn and the last training's picture is kept.
    The picture's title says `what` it shows (by default the lesson's name), and which epochs.
    """
    import matplotlib.pyplot as plt

    figure = plt.gcf()
    if history is not None and not history.epoch:
        plt.close(figure)
        kept = "the last training's curves are kept" if os.path.exists(png_path) else "none saved"
        print(f"No curves: nothing was trained in this run ({png_path}: {kept}).")
        return
    epochs = count_epochs(figure, history) if history is not None else None
    what = what or args.name
    figure.suptitle(f"{what}: epochs {epochs[0]}-{epochs[1]}" if epochs else what,
                    fontweight="bold")
    for_a_projector(figure)
    try:
        write_whole(png_path, lambda path: figure.savefig(path, format="png", dpi=DPI))
        print(f"Plot saved to {png_path}")
    except OSError as error:
        print(f"Warning: could not save {png_path} ({reason(error)}).")
    try:
        if can_show_plots(args.no_show) and plt.get_backend().lower() not in FILE_BACKENDS:
            plt.show()
    finally:
        plt.close(figure)


def count_epochs(figure, history):
    """Each curve's x from epoch 1 (or the first epoch after the checkpoint's), whole-number
    ticks, `Epoch` on the x axis, and the checkpoint's epoch marked on a validation loss.
    Returns (first epoch, last epoch)."""
    from matplotlib.ticker import MaxNLocator

    first = getattr(history, "first_epoch", 1)
    last = first + len(history.epoch) - 1
    best = getattr(history, "best_epoch", None)
    for ax in figure.axes:
        for line in ax.get_lines():
            x = line.get_xdata()
            if len(x) == len(history.epoch):
                line.set_xdata([first + i for i in range(len(x))])
        ax.relim()
        ax.autoscale_view()
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if not ax.get_xlabel():
            ax.set_xlabel("Epoch")
        labels = [line.get_label() for line in ax.get_lines()]
        if best is not None and first <= best <= last and "Validation Loss" in labels:
            ax.axvline(best, color="green", linestyle=":", linewidth=2,
                       label=f"checkpoint (epoch {best})")
            ax.legend()
        flat_range(ax)
    return first, last


def flat_range(ax):
    """A curve that does not move (accuracy 1.0 all along) gets an axis from 0, not 0.96-1.04."""
    import numpy as np

    values = [np.asarray(line.get_ydata(), dtype=float) for line in ax.get_lines()
              if len(line.get_ydata()) > 1]
    if values and all(np.ptp(v) == 0 for v in values):
        top = max(float(v.max()) for v in values)
        ax.set_ylim(min(0.0, top), max(top * 1.05, 1e-3))


def for_a_projector(figure):
    """Every text at least SMALLEST_TEXT points, room for them, titles bold."""
    from matplotlib.text import Text

    for text in figure.findobj(Text):
        if text.get_fontsize() < SMALLEST_TEXT:
            text.set_fontsize(SMALLEST_TEXT)
    for ax in figure.axes:
        ax.tick_params(labelsize=max(SMALLEST_TEXT, 11))
        ax.title.set_fontsize(max(ax.title.get_fontsize(), 13))
    figure.set_layout_engine("tight")
