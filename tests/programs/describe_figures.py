"""Run a script as its own Python would, describe every figure it saves beside the PNG, and say
at the end which of Keras's optional packages were imported.

    python describe_figures.py SCRIPT [ARGS...]

Each PNG the script saves gets a JSON file next to it, named PNG.json: the figure's size in
pixels, and for each of its axes (colour bars included) its title, labels, limits, tick labels,
legend, lines (label, colour, style, width, data) and texts, each text with its font size; the
figure's own title too. What the picture shows, readable by a test.
"""
import json
import re
import runpy
import sys
from pathlib import Path

import matplotlib
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

real_savefig = Figure.savefig


def text_of(text):
    return {"text": text.get_text(), "size": text.get_fontsize()}


def describe(figure, dpi):
    width, height = figure.get_size_inches() * dpi
    axes = []
    for ax in figure.axes:
        legend = ax.get_legend()
        axes.append({
            "title": text_of(ax.title), "xlabel": text_of(ax.xaxis.label),
            "ylabel": text_of(ax.yaxis.label), "xlim": list(ax.get_xlim()), "ylim": list(ax.get_ylim()),
            "xticks": [text_of(t) for t in ax.get_xticklabels()],
            "yticks": [text_of(t) for t in ax.get_yticklabels()],
            "xticks_at": [float(x) for x in ax.get_xticks()],
            "legend": [text_of(t) for t in legend.get_texts()] if legend else [],
            "lines": [{"label": line.get_label(), "color": to_hex(line.get_color()),
                       "style": line.get_linestyle(), "width": line.get_linewidth(),
                       "alpha": line.get_alpha(), "zorder": line.get_zorder(),
                       "x": [float(v) for v in line.get_xdata()],
                       "y": [float(v) for v in line.get_ydata()]} for line in ax.get_lines()],
            "texts": [text_of(t) for t in ax.texts],
            "images": len(ax.images),
        })
    return {"pixels": [round(width), round(height)],
            "suptitle": text_of(figure._suptitle) if figure._suptitle else None, "axes": axes}


def savefig(self, fname, *args, **kwargs):
    real_savefig(self, fname, *args, **kwargs)
    self.canvas.draw()  # tick labels as they are drawn
    dpi = kwargs.get("dpi") or matplotlib.rcParams["savefig.dpi"]
    dpi = self.dpi if dpi == "figure" else dpi
    final = re.sub(r"\.partial-\d+", "", str(fname))  # written whole: beside the final name
    with open(final + ".json", "w", encoding="utf-8") as file:
        json.dump(describe(self, dpi), file)


OPTIONAL = {"sklearn", "scipy", "pandas"}

Figure.savefig = savefig
script, sys.argv = sys.argv[1], sys.argv[1:]
sys.path.insert(0, str(Path(script).resolve().parent))
try:
    runpy.run_path(script, run_name="__main__")
finally:
    print("imported:", sorted({name.split(".")[0] for name in sys.modules} & OPTIONAL))
