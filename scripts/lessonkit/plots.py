"""The lecture's `plt.show()`: the lesson's figure (not matplotlib's settings) made ready for a
projector, saved as PNG, shown where the backend matplotlib chose can show it."""
import contextlib
import logging
import os
import re
import warnings

import matplotlib
import numpy as np
from matplotlib import font_manager
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

from lessonkit import platforms
from lessonkit.files import reason, write_whole

FILE_BACKENDS = {"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"}
INLINE_BACKENDS = {"inline", "module://matplotlib_inline.backend_inline",
                   "module://ipykernel.pylab.backend_inline"}
SMALLEST_TEXT = 11  # points
DPI = 200           # a 6.4 x 4.8 inch figure: 1280 x 960 pixels
# Fonts with Chinese characters, as Windows, macOS and the common Linux distributions name them.
CHINESE_FONTS = ("Microsoft YaHei", "SimHei", "DengXian", "PingFang SC", "Hiragino Sans GB",
                 "Heiti SC", "STHeiti", "Songti SC", "Arial Unicode MS", "Noto Sans CJK SC",
                 "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
                 "Droid Sans Fallback", "AR PL UMing CN")
CHINESE_FONT_FILES = (r"msyh|simhei|deng|pingfang|hiragino|stheiti|notosanscjk|notosanssc|sourcehansans|wqy|"
                      r"droidsansfallback|uming")
_said = []  # the line on a missing Chinese font, said once a run


def can_show_plots(no_show, facts=None, backend=None):
    """Whether a picture can be shown here, with the backend matplotlib has chosen (or was told)."""
    backend = (backend if backend is not None else matplotlib.get_backend()).lower()
    if backend in INLINE_BACKENDS:  # outside a kernel (!python in a notebook) inline prints Figure(...)
        return not no_show and (facts or platforms.current()).in_kernel
    return not no_show and backend not in FILE_BACKENDS


def show_or_save(png_path, args, history=None, what=None):
    """plt.show() for pyplot's current figure, titled with `what` (the lesson's name) and, for
    training curves (`history`), the epochs; saved as PNG, shown where it can be, then closed."""
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
    texts = figure.findobj(Text)  # for a projector: every text at least SMALLEST_TEXT points, titles 13
    for text in texts:
        text.set_fontsize(max(text.get_fontsize(), SMALLEST_TEXT))
    for ax in figure.axes:
        ax.tick_params(labelsize=SMALLEST_TEXT)
        ax.title.set_fontsize(max(ax.title.get_fontsize(), 13))
    chinese = [text for text in texts if any(ord(c) > 0x2e7f for c in text.get_text())]
    if chinese:
        fonts = chinese_fonts()
        for text in chinese:
            text.set_fontfamily([*text.get_fontfamily(), *fonts])  # per glyph: Chinese from these
        if not fonts and not _said:
            _said.append(True)
            print("(No font with Chinese characters was found, so the picture draws them as boxes: "
                  "install one, such as Noto Sans CJK SC, to see them.)")
    figure.set_layout_engine("tight")
    font_log = logging.getLogger("matplotlib.font_manager")  # a Chinese font without bold is drawn at
    level = font_log.level                                    # its one weight, without a word
    font_log.setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")  # said in one line
        try:
            write_whole(png_path, lambda path: figure.savefig(path, format="png", dpi=DPI))
            print(f"Plot saved to {png_path}")
        except OSError as error:
            print(f"Warning: could not save {png_path} ({reason(error)}).")
        try:
            if can_show_plots(args.no_show):
                plt.show()
        finally:
            plt.close(figure)
            font_log.setLevel(level)


def count_epochs(figure, history):
    """x as the run counted its epochs (101 after a 100-epoch checkpoint), the lowest validation
    loss marked; (first, last)."""
    first, last = history.epoch[0] + 1, history.epoch[-1] + 1
    val_loss = history.history.get("val_loss") or []
    for ax in figure.axes:
        for line in ax.get_lines():
            if len(line.get_xdata()) == len(history.epoch):
                line.set_xdata(list(range(first, last + 1)))
        ax.relim()
        ax.autoscale_view()
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if not ax.get_xlabel():
            ax.set_xlabel("Epoch")
        labels = [line.get_label() for line in ax.get_lines()]
        if len(val_loss) == len(history.epoch) and "Validation Loss" in labels:
            best = first + int(np.argmin(val_loss))
            ax.axvline(best, color="green", linestyle=":", linewidth=2,
                       label=f"lowest val_loss (epoch {best})")
            ax.legend()
        values = [np.asarray(line.get_ydata(), dtype=float) for line in ax.get_lines()
                  if len(line.get_ydata()) > 1]
        if values and all(np.ptp(v) == 0 for v in values):  # accuracy 1.0 all along: from 0
            top = max(float(v.max()) for v in values)
            ax.set_ylim(min(0.0, top), max(top * 1.05, 1e-3))
    return first, last


def chinese_fonts(installed=None):
    """The fonts of CHINESE_FONTS installed here (`installed`: their names), looked for on the system
    too where matplotlib's list of fonts was made before one was installed."""
    if installed is None:
        manager = font_manager.fontManager
        if not {font.name for font in manager.ttflist} & set(CHINESE_FONTS):
            for path in font_manager.findSystemFonts():
                if re.search(CHINESE_FONT_FILES, os.path.basename(path).lower()):
                    with contextlib.suppress(Exception):  # a file it cannot read
                        manager.addfont(path)
        installed = {font.name for font in manager.ttflist}
    return [name for name in CHINESE_FONTS if name in installed]
