"""Pictures a teacher can project: read from the figure each script saves, as
tests/programs/describe_figures.py describes it beside the PNG (texts and their sizes, lines and
their data, the size in pixels)."""
import pandas as pd
import pytest

from conftest import LESSONS, figure_of, stock_run_name

SMALLEST_TEXT = 11  # points


def all_texts(figure):
    texts = [figure["suptitle"]] if figure["suptitle"] else []
    for ax in figure["axes"]:
        texts += [ax["title"], ax["xlabel"], ax["ylabel"], *ax["xticks"], *ax["yticks"],
                  *ax["legend"]]
    return [t for t in texts if t["text"]]


def assert_fits_a_slide(figure, smallest=SMALLEST_TEXT):
    width, height = figure["pixels"]
    assert width >= 1200 and 4 / 3 - 0.01 <= width / height <= 16 / 9 + 0.01, figure["pixels"]
    small = [t for t in all_texts(figure) if t["size"] < smallest]
    assert not small, small


@pytest.mark.parametrize("lesson", LESSONS)
def test_letter_curves_name_the_lesson_and_count_epochs_from_1(trained, lesson):
    cwd, _ = trained(lesson)
    figure = figure_of(cwd / f"{lesson}_curves.png")
    assert figure["suptitle"]["text"] == f"{lesson}: epochs 1-100"
    accuracy, loss = figure["axes"]
    assert (accuracy["title"]["text"], loss["title"]["text"]) == ("Training Accuracy", "Training Loss")
    for ax, label in ((accuracy, "Training Accuracy"), (loss, "Training Loss")):
        assert ax["xlabel"]["text"] == "Epoch"
        assert ax["legend"][0]["text"] == label  # the lecture's legends
        assert ax["lines"][0]["x"] == list(range(1, 101))
        assert all(float(x).is_integer() for x in ax["xticks_at"])
    assert_fits_a_slide(figure)


def test_after_a_resume_the_curves_show_the_epochs_the_run_really_had(resumed_runs):
    cwd, _, _ = resumed_runs("rnn_onehot_1pre1")  # 5 epochs after the default training's 100
    figure = figure_of(cwd / "rnn_onehot_1pre1_curves.png")
    assert figure["suptitle"]["text"] == "rnn_onehot_1pre1: epochs 101-105"
    accuracy = figure["axes"][0]
    assert accuracy["lines"][0]["x"] == [101, 102, 103, 104, 105]
    assert accuracy["lines"][0]["y"] == [1.0] * 5
    assert accuracy["ylim"][0] == 0  # a flat 1.0 on an axis from 0, not on 0.96-1.04


@pytest.mark.parametrize("script, cell", [("stock_rnn", "SimpleRNN"), ("stock_lstm", "LSTM"),
                                          ("stock_gru", "GRU")])
def test_stock_pictures_name_the_cell_mark_the_checkpoint_and_draw_the_price_above_persistence(
        stock_runs, script, cell):
    cwd, stdout = stock_runs(script)
    name = stock_run_name(script)
    curves = figure_of(cwd / f"{name}_curves.png")
    assert curves["suptitle"]["text"] == f"{name} ({cell}): epochs 1-2"
    [ax] = curves["axes"]
    assert ax["xlabel"]["text"] == "Epoch" and ax["lines"][0]["x"] == [1, 2]
    best = int(stdout.split(" at epoch ")[1].split(",")[0])  # Trained 2 epochs: best ... at epoch N
    marks = [line for line in ax["lines"] if line["label"] == f"lowest val_loss (epoch {best})"]
    assert len(marks) == 1 and marks[0]["x"] == [best, best]  # the epoch the checkpoint holds
    assert_fits_a_slide(curves)

    prediction = figure_of(cwd / f"{name}_prediction.png")
    assert prediction["suptitle"]["text"] == f"{name} ({cell})"
    [ax] = prediction["axes"]
    assert ax["title"]["text"] == "MaoTai Stock Price Prediction"
    assert ax["ylabel"]["text"] == "MaoTai Stock Price (yuan)"
    lines = {line["label"]: (i, line) for i, line in enumerate(ax["lines"])}
    (p_order, persistence), (r_order, real) = (lines["Persistence (the day before)"],
                                               lines["MaoTai Stock Price"])
    assert p_order < r_order  # persistence first: the real price is drawn over it
    assert persistence["width"] < real["width"] and (persistence["alpha"] or 1) < 1
    assert (real["color"], lines["Predicted MaoTai Stock Price"][1]["color"]) == ("#ff0000", "#0000ff")
    opens = pd.read_csv(cwd / "SH600519.csv")["open"].to_numpy()
    highest = lines[f"Highest training price ({opens[:-300].max():.2f})"][1]
    assert highest["y"] == pytest.approx([opens[:-300].max()] * 2)
    assert real["y"] == pytest.approx(opens[-240:])
    assert_fits_a_slide(prediction)


def test_the_by_hand_picture_is_a_slide_with_mathematics_and_a_colour_bar(by_hand_runs):
    cwd, _ = by_hand_runs("rnn_embedding_4pre1", "qwer")
    figure = figure_of(cwd / "rnn_embedding_4pre1_by_hand.png")
    heat, colour_bar, bars = figure["axes"]  # each heat map's colour bar comes after it
    assert heat["title"]["text"] == r"$h_t = \mathrm{tanh}(x_t W_{xh} + h_{t-1} W_{hh} + b_h)$"
    assert heat["xlabel"]["text"] == "simple_rnn: memory unit"
    assert [t["text"] for t in heat["yticks"]] == ["t=1 'q'", "t=2 'w'", "t=3 'e'", "t=4 'r'"]
    assert len(heat["texts"]) == 4 * 10 and min(t["size"] for t in heat["texts"]) >= 11
    assert colour_bar["ylabel"]["text"] == "$h_t$"
    assert bars["ylabel"]["text"] == "probability"
    assert bars["xlabel"]["text"] == "next letter"
    assert bars["title"]["text"].endswith("qwer->z (the 10 most probable of 26 letters)")
    assert len(bars["xticks"]) == 10
    assert_fits_a_slide(figure)


@pytest.mark.parametrize("script, titles", [
    ("stock_lstm", ["输入门", "遗忘门", "输出门", "候选态", "细胞态", "记忆体"]),
    ("stock_gru", ["更新门（Keras 定义）", "重置门", "候选隐藏层", "记忆体"]),
])
def test_the_by_hand_picture_of_a_stock_lesson_names_each_gate_in_the_lectures_words(stock_by_hand, script,
                                                                                     titles):
    cwd, _, stderr = stock_by_hand(script, 1 if script == "stock_gru" else None)
    figure = figure_of(cwd / f"{stock_run_name(script)}_by_hand.png")
    *pairs, below = figure["axes"]  # each heat map, then its colour bar; the price below them
    heat_maps, colour_bars = pairs[0::2], pairs[1::2]
    assert [ax["title"]["text"] for ax in heat_maps] == titles and all(ax["images"] for ax in heat_maps)
    assert heat_maps[0]["xlabel"]["text"] == f"{script[6:]}: memory unit (12 of 80)"
    labels = [ax["ylabel"]["text"] for ax in colour_bars]
    assert labels[-1] == "$h_t$" and ("$\\tilde{C}_t$" in labels) == (script == "stock_lstm")
    assert below["ylabel"]["text"] == "yuan" and len(below["lines"]) == 4  # the window, real, model, persistence
    assert "Glyph" not in stderr  # the Chinese names: drawn, or one line saying they cannot be
    assert_fits_a_slide(figure)
