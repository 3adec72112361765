"""Drawing: the training curves and the stock prediction, saved as PNG and shown where there is a screen."""
import os
import sys

NON_INTERACTIVE_BACKENDS = {"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"}


def can_show_window(no_show):
    """Pick matplotlib's backend: a window when there is a display, PNG files otherwise."""
    import matplotlib

    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if no_show or headless:
        matplotlib.use("Agg")
    return matplotlib.get_backend().lower() not in NON_INTERACTIVE_BACKENDS


def show_or_save(figure, png_path, window):
    """Save the figure as PNG and print where; then show it in a window when there can be one."""
    import matplotlib.pyplot as plt

    figure.savefig(png_path, dpi=100)
    print(f"Plot saved to {png_path}")
    if window:
        plt.show()
    plt.close(figure)


def plot_curves(history, png_path, no_show, panels):
    """Draw training curves side by side, one panel per title: {title: {label: history key}}."""
    window = can_show_window(no_show)  # choose the backend before pyplot is imported
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4), squeeze=False)
    for ax, (title, lines) in zip(axes[0], panels.items()):
        for label, key in lines.items():
            ax.plot(history.history.get(key, []), label=label)
        ax.set_title(title)
        ax.legend()
    show_or_save(figure, png_path, window)
    return figure


def plot_prediction(dates, real_stock_price, predicted_stock_price, persistence, stock,
                    png_path, no_show):
    """The lecture's picture (real price red, prediction blue), with persistence added, grey dashed.

    `stock` names the series as the lecture's 'MaoTai' does. Returns the (closed) figure.
    """
    window = can_show_window(no_show)
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(10, 5))
    ax.plot(dates, real_stock_price, color="red", label=f"{stock} Stock Price")
    ax.plot(dates, predicted_stock_price, color="blue", label=f"Predicted {stock} Stock Price")
    ax.plot(dates, persistence, color="gray", linestyle="--", label="Persistence (the day before)")
    ax.set_xticks(dates[:: max(1, len(dates) // 8)])
    ax.tick_params(axis="x", rotation=30)
    ax.set_title(f"{stock} Stock Price Prediction")
    ax.set_xlabel("Time")
    ax.set_ylabel(f"{stock} Stock Price")
    ax.legend()
    figure.tight_layout()
    show_or_save(figure, png_path, window)
    return figure
