"""The lecture's `plt.show()`: the lesson's figure made ready for a projector, saved as PNG, shown
where something can show it (a window on a desktop, under the cell in a notebook). matplotlib's
backend is never changed: on a lab server pyplot draws to files by itself."""
import os

from lessonkit import platforms
from lessonkit.files import reason, write_whole

FILE_BACKENDS = {"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"}
INLINE_BACKENDS = {"inline", "module://matplotlib_inline.backend_inline",
                   "module://ipykernel.pylab.backend_inline"}
SMALLEST_TEXT = 11  # points
DPI = 200           # a 6.4 x 4.8 inch figure: 1280 x 960 pixels


def can_show_plots(no_show, facts=None, backend=None):
    """Whether a picture can be shown here; `backend` is the one matplotlib was told to use
    (MPLBACKEND, matplotlibrc, %matplotlib), or None where it will choose one itself."""
    facts = facts or platforms.current()
    if backend is None:
        import matplotlib

        backend = dict.__getitem__(matplotlib.rcParams, "backend")  # without having it choose
        backend = backend if isinstance(backend, str) else ""
    if no_show or backend.lower() in FILE_BACKENDS:
        return False
    if backend.lower() in INLINE_BACKENDS or facts.in_kernel:
        return facts.in_kernel  # outside a kernel (!python in a notebook) inline prints Figure(...)
    env = facts.environ
    over_ssh = any(env.get(name) for name in ("SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"))
    if facts.os == "linux":
        return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))
    if facts.os == "darwin":
        return not over_ssh  # SSH cannot reach the Mac's window server
    return not over_ssh and facts.session_id != 0  # session 0: a service or a scheduled task


def show_or_save(png_path, args, history=None, what=None):
    """plt.show() for pyplot's current figure: titled with `what` (the lesson's name) and, for
    training curves (`history`), the epochs; saved as PNG, shown where it can be, then closed.
    A run that trained nothing has no curves: the last training's picture is kept."""
    import matplotlib.pyplot as plt

    figure = plt.gcf()
    if history is not None and not history.epoch:
        plt.close(figure)
        kept = "the last training's curves are kept" if os.path.exists(png_path) else "none saved"
        print(f"No curves: nothing was trained in this run ({png_path}: {kept}).")
        return
    what = what or args.name
    if history is not None:
        what += ": epochs {}-{}".format(*count_epochs(figure, history))
    figure.suptitle(what, fontweight="bold")
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
    """x from the run's first epoch (101 after a 100-epoch checkpoint), whole-number ticks,
    `Epoch` on the x axis, the checkpoint's epoch on a validation loss; (first, last)."""
    import numpy as np
    from matplotlib.ticker import MaxNLocator

    first = getattr(history, "first_epoch", 1)
    last = first + len(history.epoch) - 1
    best = getattr(history, "best_epoch", None)
    for ax in figure.axes:
        for line in ax.get_lines():
            if len(line.get_xdata()) == len(history.epoch):
                line.set_xdata(list(range(first, last + 1)))
        ax.relim()
        ax.autoscale_view()
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if not ax.get_xlabel():
            ax.set_xlabel("Epoch")
        if best is not None and first <= best <= last and "Validation Loss" in [
                line.get_label() for line in ax.get_lines()]:
            ax.axvline(best, color="green", linestyle=":", linewidth=2, label=f"checkpoint (epoch {best})")
            ax.legend()
        values = [np.asarray(line.get_ydata(), dtype=float) for line in ax.get_lines()
                  if len(line.get_ydata()) > 1]
        if values and all(np.ptp(v) == 0 for v in values):  # accuracy 1.0 all along: from 0
            top = max(float(v.max()) for v in values)
            ax.set_ylim(min(0.0, top), max(top * 1.05, 1e-3))
    return first, last


def for_a_projector(figure):
    """Every text at least SMALLEST_TEXT points, titles 13, room for them."""
    from matplotlib.text import Text

    for text in figure.findobj(Text):
        text.set_fontsize(max(text.get_fontsize(), SMALLEST_TEXT))
    for ax in figure.axes:
        ax.tick_params(labelsize=SMALLEST_TEXT)
        ax.title.set_fontsize(max(ax.title.get_fontsize(), 13))
    figure.set_layout_engine("tight")
