"""Drawing: the training curves and the stock prediction, saved as PNG and shown where they can be.

Shown means the lecture's `plt.show()`: a window on a desktop, a picture under the cell in a
notebook. Nothing here ever changes matplotlib's backend: a figure that will not be shown is
drawn without pyplot, so a notebook kernel keeps the backend it had.
"""
import os

from lessonkit import platforms
from lessonkit.files import reason, write_whole

# Backends that draw to files only. Inline backends are shown only inside a notebook kernel.
FILE_BACKENDS = {"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"}
INLINE_BACKENDS = {"inline", "module://matplotlib_inline.backend_inline",
                   "module://ipykernel.pylab.backend_inline"}


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


def new_figure(show, figsize=None, **subplots):
    """(figure, axes) like plt.subplots: through pyplot when shown, else a figure of its own."""
    if show:
        import matplotlib.pyplot as plt

        return plt.subplots(figsize=figsize, **subplots)
    from matplotlib.figure import Figure

    figure = Figure(figsize=figsize)
    return figure, figure.subplots(**subplots)


def show_or_save(figure, png_path, show):
    """Save the figure as PNG and print where; then show it, as the lecture's plt.show() does."""
    try:
        write_whole(png_path, lambda path: figure.savefig(path, format="png", dpi=100))
        print(f"Plot saved to {png_path}")
    except OSError as error:
        print(f"Warning: could not save {png_path} ({reason(error)}).")
    if show:
        import matplotlib.pyplot as plt

        try:
            if plt.get_backend().lower() not in FILE_BACKENDS:  # no GUI toolkit: saved only
                plt.show()
        finally:
            plt.close(figure)


def plot_curves(history, png_path, no_show, panels):
    """Training curves side by side, one panel per title: {title: {label: history key}}.

    After a run that trained nothing (--epochs 0) there are no curves: nothing is drawn, and the
    picture of the last training is kept.
    """
    if not history.epoch:
        kept = "the last training's curves are kept" if os.path.exists(png_path) else "none saved"
        print(f"No curves: nothing was trained in this run ({png_path}: {kept}).")
        return None
    show = can_show_plots(no_show)
    figure, axes = new_figure(show, ncols=len(panels), squeeze=False)
    for ax, (title, lines) in zip(axes[0], panels.items()):
        for label, key in lines.items():
            ax.plot(history.history[key], label=label)
        ax.set_title(title)
        ax.legend()
    show_or_save(figure, png_path, show)
    return figure


def plot_prediction(dates, real_stock_price, predicted_stock_price, persistence, stock,
                    png_path, no_show):
    """The lecture's picture (real price red, prediction blue), with persistence added, grey dashed.

    `stock` names the series as the lecture's 'MaoTai' does. Returns the figure.
    """
    show = can_show_plots(no_show)
    figure, ax = new_figure(show)
    ax.plot(dates, real_stock_price, color="red", label=f"{stock} Stock Price")
    ax.plot(dates, predicted_stock_price, color="blue", label=f"Predicted {stock} Stock Price")
    ax.plot(dates, persistence, color="gray", linestyle="--", label="Persistence (the day before)")
    ax.set_xticks(dates[:: max(1, len(dates) // 4)])
    ax.set_title(f"{stock} Stock Price Prediction")
    ax.set_xlabel("Time")
    ax.set_ylabel(f"{stock} Stock Price")
    ax.legend()
    show_or_save(figure, png_path, show)
    return figure

