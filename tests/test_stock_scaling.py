"""Why the stock lessons' curve lies below the price, and --scaling window, checked against NumPy.

No TensorFlow here: the diagnosis, the verdict, the window scaling and its inverse, and the flag
are plain functions, run on the course's file and on price files these tests write.
"""
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import MinMaxScaler

from conftest import COURSE_FILE, TABLE_ROW, printed, scripts_module

forecast_errors = scripts_module("lessonkit.forecast_errors")
price_scaling = scripts_module("lessonkit.price_scaling")
prices = scripts_module("lessonkit.prices")
flags = scripts_module("lessonkit.flags")

test_days, time_steps = 300, 60  # the lessons'
COURSE_PERSISTENCE = (384.8545, 19.6177, 14.7110)  # MSE, RMSE, MAE on the course's file

DIAGNOSIS = re.compile(
    r"(\d+) of the (\d+) predicted days \(and (\d+) of all (\d+) test days\) open (above|below) "
    r"([0-9.]+), the (highest|lowest) training price\.\n"
    r"Scaled with the training days' range, the test windows span (-?[0-9.]+) to (-?[0-9.]+), but the "
    r"network learned only 0 to 1, and its answers do not reach that far: its curve lies "
    r"(below|above) the real one\.")


def course_opens():
    """The course file's opening prices, read here with pandas alone."""
    return pd.read_csv(COURSE_FILE)["open"].to_numpy(dtype=float)


def split(opens):
    """The lecture's training and test sets, (n, 1) columns, and its scaler fitted on the first."""
    training_set, test_set = opens[:-test_days, np.newaxis], opens[-test_days:, np.newaxis]
    sc = MinMaxScaler(feature_range=(0, 1))
    sc.fit_transform(training_set)
    return training_set, test_set, sc


def written_prices(tmp_path, opens):
    """Opening prices written as a price file and read back as the lessons read it."""
    path = tmp_path / "prices.csv"
    pd.DataFrame({"date": pd.bdate_range("2015-01-05", periods=len(opens)).strftime("%Y-%m-%d"),
                  "open": np.round(opens, 3), "code": 600519}).to_csv(path, index=False)
    _, read, _ = prices.load_opening_prices(str(path), test_days, time_steps)
    return read


def made_up(test_prices, training_days=900):
    """Training days that swing between 50 and 100, then the test days given."""
    training = 75 + 25 * np.sin(np.linspace(0, 12 * np.pi, training_days))
    return np.r_[training, test_prices]


def expected_numbers(opens):
    """What the diagnosis must say, computed with NumPy: counts, the bound, the scaled range."""
    training, test = opens[:-test_days], opens[-test_days:]
    low, high = training.min(), training.max()
    scaled = (test - low) / (high - low)  # MinMaxScaler's formula, for inputs and labels alike
    return {"above": int((test[time_steps:] > high).sum()), "above_all": int((test > high).sum()),
            "below": int((test[time_steps:] < low).sum()), "below_all": int((test < low).sum()),
            "high": high, "low": low, "scaled": (scaled.min(), scaled.max())}


def parsed(diagnosis):
    found = DIAGNOSIS.fullmatch(diagnosis)
    assert found, diagnosis
    return found.groups()


# ## The diagnosis: which predicted days lie outside what the scaler was fitted on

def test_on_the_course_file_all_240_predicted_days_open_above_the_highest_training_price():
    opens = course_opens()
    expected = expected_numbers(opens)
    assert (expected["above"], expected["above_all"], expected["below"]) == (240, 266, 0)
    assert expected["high"] == pytest.approx(788.80)
    assert np.round(expected["scaled"], 2) == pytest.approx([0.84, 1.65])

    diagnosis = forecast_errors.scaling_diagnosis(*split(opens)[:2], test_days - time_steps, split(opens)[2])
    above, days, above_all, all_days, side, bound, kind, low, high, curve = parsed(diagnosis)
    assert (int(above), int(days), int(above_all), int(all_days)) == (240, 240, 266, 300)
    assert (side, kind, curve) == ("above", "highest", "below")
    assert bound == f"{expected['high']:.2f}" == "788.80"
    assert (low, high) == tuple(f"{value:.2f}" for value in expected["scaled"]) == ("0.84", "1.65")


def test_the_diagnosis_takes_flat_prices_as_well_as_the_lectures_columns():
    training_set, test_set, sc = split(course_opens())
    assert (forecast_errors.scaling_diagnosis(training_set[:, 0], test_set[:, 0], test_days - time_steps, sc)
            == forecast_errors.scaling_diagnosis(training_set, test_set, test_days - time_steps, sc))


def test_prices_that_rise_past_the_training_maximum_are_counted_from_the_file_read(tmp_path):
    opens = written_prices(tmp_path, made_up(np.linspace(80, 130, test_days)))
    expected = expected_numbers(opens)
    assert 0 < expected["above"] < test_days - time_steps  # some predicted days, not all

    training_set, test_set, sc = split(opens)
    above, days, above_all, all_days, side, bound, kind, low, high, curve = parsed(
        forecast_errors.scaling_diagnosis(training_set, test_set, test_days - time_steps, sc))
    assert (int(above), int(days)) == (expected["above"], test_days - time_steps)
    assert (int(above_all), int(all_days)) == (expected["above_all"], test_days)
    assert (side, kind, bound, curve) == ("above", "highest", f"{expected['high']:.2f}", "below")
    assert (low, high) == tuple(f"{value:.2f}" for value in expected["scaled"])


def test_prices_that_fall_below_the_training_minimum_put_the_curve_above(tmp_path):
    opens = written_prices(tmp_path, made_up(np.linspace(70, 35, test_days)))
    expected = expected_numbers(opens)
    assert expected["below"] > 0 and expected["above"] == 0

    training_set, test_set, sc = split(opens)
    below, days, below_all, all_days, side, bound, kind, low, high, curve = parsed(
        forecast_errors.scaling_diagnosis(training_set, test_set, test_days - time_steps, sc))
    assert (int(below), int(days), int(below_all)) == (expected["below"], 240, expected["below_all"])
    assert (side, kind, bound, curve) == ("below", "lowest", f"{expected['low']:.2f}", "above")
    assert (low, high) == tuple(f"{value:.2f}" for value in expected["scaled"])


def test_prices_that_stay_inside_the_training_range_need_no_diagnosis(tmp_path):
    opens = written_prices(tmp_path, made_up(75 + 20 * np.sin(np.linspace(0, 6, test_days))))
    assert expected_numbers(opens)["above"] == expected_numbers(opens)["below"] == 0
    training_set, test_set, sc = split(opens)
    assert forecast_errors.scaling_diagnosis(training_set, test_set, test_days - time_steps, sc) is None


def test_days_outside_the_range_before_the_first_prediction_need_no_diagnosis(tmp_path):
    # Only the first 60 test days, which are never predicted, open above the training maximum.
    test_prices = np.r_[np.full(time_steps, 120.0), np.full(test_days - time_steps, 90.0)]
    training_set, test_set, sc = split(written_prices(tmp_path, made_up(test_prices)))
    assert forecast_errors.scaling_diagnosis(training_set, test_set, test_days - time_steps, sc) is None


# ## The verdict: who wins by RMSE, and why

def verdict(capsys, model_errors, *diagnosis):
    """(all compare_with_persistence printed, its last line), after checking its table's rows.

    Without `diagnosis` it is called as the lessons called it before there was one.
    """
    test = course_opens()[-test_days:]  # persistence: each predicted day, the day before it
    forecast_errors.compare_with_persistence(model_errors, test[time_steps - 1:-1], test[time_steps:],
                                             "600519", *diagnosis)
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert len(lines) == 4 and re.fullmatch(r"\s+MSE\s+RMSE\s+MAE", lines[0]), out
    rows = [[float(x) for x in re.search(TABLE_ROW.format(name=name), out, flags=re.M).groups()]
            for name in ("model", "persistence")]
    assert rows == [pytest.approx(model_errors, abs=5e-5), pytest.approx(COURSE_PERSISTENCE)]
    return out, lines[-1]


def test_a_model_beaten_because_of_the_scaling_is_told_so(capsys):
    diagnosis = forecast_errors.scaling_diagnosis(*split(course_opens())[:2], test_days - time_steps,
                                                  split(course_opens())[2])
    out, last = verdict(capsys, (7745.8291, 88.0104, 83.8434), diagnosis)
    assert last == ("On 600519 data, by RMSE persistence beats the model (19.62 against 88.01): "
                    "its prices lie outside the range the network was trained on (see above).")
    printed("On … data, by RMSE persistence beats the model (…): …", out)


def test_a_model_close_to_persistence_does_about_as_well_and_not_better(capsys):
    for rmse in (19.79, 22.5):  # within 15 % of persistence's 19.62, with or without a diagnosis
        for diagnosis in (None, "240 of the 240 predicted days ..."):
            _, last = verdict(capsys, (rmse ** 2, rmse, 15.0), diagnosis)
            assert last == (f"On 600519 data, by RMSE persistence beats the model (19.62 against "
                            f"{rmse:.2f}): it does about as well as 'tomorrow looks like today', "
                            "and not better."), last


def test_a_model_far_behind_persistence_without_a_scaling_cause_has_not_learned_even_that(capsys):
    _, last = verdict(capsys, (23.0 ** 2, 23.0, 18.0))  # 17 % worse, called as the lessons did
    assert last == ("On 600519 data, by RMSE persistence beats the model (19.62 against 23.00): "
                    "it has not learned even 'tomorrow looks like today'.")
    _, last = verdict(capsys, (23.0 ** 2, 23.0, 18.0), "a diagnosis")
    assert last.endswith(": its prices lie outside the range the network was trained on (see above).")


def test_a_model_that_beats_persistence_is_said_to_and_by_how_much(capsys):
    for diagnosis in (None, "a diagnosis"):
        _, last = verdict(capsys, (380.0, 19.49, 14.6), diagnosis)
        assert last == ("On 600519 data, by RMSE the model beats persistence "
                        "(19.49 against 19.62, 0.7 % lower).")


# ## --scaling window: each window scaled by its own last price

def window_scaled_by_hand(training, test):
    """The same scaling written out with NumPy, one window at a time."""
    def relative(prices):
        x, y, last = [], [], []
        for i in range(time_steps, len(prices)):
            w, p = prices[i - time_steps:i], prices[i]
            x.append(w / w[-1] - 1)
            y.append(p / w[-1] - 1)
            last.append(w[-1])
        return np.array(x), np.array(y), np.array(last)

    x_train, y_train, _ = relative(training)
    x_test, y_test, last = relative(test)
    s = np.sqrt(np.mean((y_train - y_train.mean()) ** 2))  # the training labels' spread
    s_w = np.sqrt(np.mean((x_train - x_train.mean()) ** 2))  # the training windows' spread
    return x_train / s_w, y_train / s, x_test / s_w, y_test / s, last, s


@pytest.mark.parametrize("source", ["course", "random walk"])
def test_window_scaling_matches_numpy_in_the_lectures_shapes(source):
    opens = course_opens() if source == "course" else np.exp(
        np.cumsum(np.random.default_rng(3).normal(0.001, 0.02, 1200))) * 40
    training_set, test_set, _ = split(opens)
    x_train, y_train, x_test, y_test, last_prices, spread = price_scaling.window_scaled(
        training_set, test_set, time_steps)

    samples = len(opens) - test_days - time_steps
    assert x_train.shape == (samples, time_steps, 1) and y_train.shape == (samples,)
    assert x_test.shape == (test_days - time_steps, time_steps, 1)
    assert y_test.shape == last_prices.shape == (test_days - time_steps,)
    by_hand = window_scaled_by_hand(opens[:-test_days], opens[-test_days:])
    for got, expected in zip((x_train[..., 0], y_train, x_test[..., 0], y_test, last_prices),
                             by_hand):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    assert spread == pytest.approx(by_hand[5], rel=1e-12)
    assert np.all(x_train[:, -1, 0] == 0)  # a window's last day, relative to itself
    assert np.std(y_train) == pytest.approx(1)  # the training labels' spread is 1
    assert np.std(x_train) == pytest.approx(1)  # and so is the training windows'


def test_the_spread_comes_from_the_training_days_only():
    opens = course_opens()
    training_set, test_set, _ = split(opens)
    wild_test = test_set * np.where(np.arange(test_days) % 2, 1.3, 0.7)[:, np.newaxis]
    calm = price_scaling.window_scaled(training_set, test_set, time_steps)
    wild = price_scaling.window_scaled(training_set, wild_test, time_steps)
    assert calm[5] == wild[5]
    np.testing.assert_array_equal(calm[0], wild[0])
    np.testing.assert_array_equal(calm[1], wild[1])


def test_the_inverse_of_the_true_labels_gives_back_the_real_prices():
    opens = course_opens()
    training_set, test_set, _ = split(opens)
    *_, y_test, last_prices, spread = price_scaling.window_scaled(training_set, test_set, time_steps)
    real_stock_price = opens[-test_days:][time_steps:]

    flat = price_scaling.prices_from_window_scaled(y_test, last_prices, spread)
    assert flat.shape == real_stock_price.shape
    np.testing.assert_allclose(flat, real_stock_price, rtol=0, atol=1e-9)
    column = price_scaling.prices_from_window_scaled(y_test[:, np.newaxis], last_prices, spread)
    assert column.shape == (test_days - time_steps, 1)  # as model.predict gives, and sc.inverse_transform
    np.testing.assert_allclose(column[:, 0], real_stock_price, rtol=0, atol=1e-9)


def test_a_prediction_of_no_change_is_persistence():
    opens = course_opens()
    training_set, test_set, _ = split(opens)
    *_, y_test, last_prices, spread = price_scaling.window_scaled(training_set, test_set, time_steps)
    no_change = price_scaling.prices_from_window_scaled(np.zeros_like(y_test), last_prices, spread)
    test_days_opens = opens[-test_days:]  # persistence: each predicted day opens as the day before
    np.testing.assert_array_equal(no_change, test_days_opens[time_steps - 1:-1])
    up_one_spread = price_scaling.prices_from_window_scaled(np.ones_like(y_test), last_prices, spread)
    np.testing.assert_allclose(up_one_spread, last_prices * (1 + spread), rtol=1e-12)


# ## The flag, and the names of a run's files

def stock_flags(*argv):
    return flags.stock_parser("A stock lesson.", epochs=50).parse_args(list(argv))


def test_scaling_is_the_lectures_minmax_unless_window_is_asked_for():
    assert stock_flags().scaling == "minmax"
    assert stock_flags("--scaling", "window").scaling == "window"
    assert stock_flags("--synthetic", "--scaling", "window").synthetic


def test_an_unknown_scaling_is_refused(capsys):
    with pytest.raises(SystemExit) as refused:
        stock_flags("--scaling", "standard")
    assert refused.value.code == 2
    assert "invalid choice: 'standard' (choose from" in capsys.readouterr().err


def test_the_help_says_what_each_scaling_does_and_which_is_the_default():
    text = " ".join(flags.stock_parser("A stock lesson.", epochs=50).format_help().split())
    assert "--scaling {minmax,window}" in text
    assert "minmax (default, the lecture's) maps them to 0-1 with a MinMaxScaler fitted on the training days" in text
    assert "window divides each window by its own last price, so the network learns the next day's change" in text


@pytest.mark.parametrize("argv, name", [
    ((), "stock_rnn"),
    (("--scaling", "minmax"), "stock_rnn"),
    (("--synthetic",), "stock_rnn_synthetic"),
    (("--scaling", "window"), "stock_rnn_window"),
    (("--synthetic", "--scaling", "window"), "stock_rnn_synthetic_window"),
    (("--csv", "prices.csv", "--scaling", "window"), "stock_rnn_prices_window"),
])
def test_window_and_synthetic_runs_keep_files_of_their_own(argv, name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "prices.csv").write_text("date,open\n", encoding="utf-8")
    args = stock_flags(*argv)
    args.lesson = "stock_rnn"
    assert prices.run_name(args) == name
