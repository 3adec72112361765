"""Error figures of a price forecast, the model set beside persistence, and why it loses if it does.

Persistence predicts that each day opens where the day before opened. A daily price moves little,
so it is already a good forecast, and it costs nothing. A model that has learned 'tomorrow looks
like today' scores about what persistence scores; one that scores far worse has not learned even
that, and on the course's file the reason is the scaling: the test days open above every training
day, so the network is asked about a range it never learned (scaling_diagnosis says so in numbers).
"""
import math

import numpy as np

# A model whose RMSE is at most this many times persistence's does about as well as persistence.
ABOUT_AS_WELL = 1.15


def errors(predicted, real):
    """(MSE, RMSE, MAE) of a forecast, as the lecture computes them with scikit-learn."""
    from sklearn.metrics import mean_absolute_error, mean_squared_error

    mse = mean_squared_error(predicted, real)
    return mse, math.sqrt(mse), mean_absolute_error(predicted, real)


def scaling_diagnosis(training_opens, test_opens, time_steps, sc):
    """One or two lines on the predicted days that open outside the training days' range; or None.

    `training_opens` and `test_opens` are the prices before scaling (a column or a flat array),
    `sc` the MinMaxScaler fitted on the training days. The lines say how many of the predicted
    days (the test days after the first `time_steps`) open above the highest training price or
    below the lowest, the range `sc` puts the test windows in (inputs and labels: every test day)
    against the one the network learned, and so on which side of the real curve the prediction
    lies. None where every predicted day opens within the training days' range.
    """
    training, test = np.ravel(training_opens), np.ravel(test_opens)
    predicted = test[time_steps:]
    highest, lowest = training.max(), training.min()
    above, below = int((predicted > highest).sum()), int((predicted < lowest).sum())
    if not above and not below:
        return None
    days = len(predicted)
    facts, sides = [], []
    if above:
        facts.append(f"{above} of the {days} predicted days (and {int((test > highest).sum())} of all "
                     f"{len(test)} test days) open above {highest:.2f}, the highest training price")
        sides.append("below")
    if below:
        facts.append(f"{below} of the {days} predicted days (and {int((test < lowest).sum())} of all "
                     f"{len(test)} test days) open below {lowest:.2f}, the lowest training price")
        sides.append("above")
    scaled = sc.transform(test.reshape(-1, 1))  # what the test windows hold, inputs and labels
    learned_low, learned_high = sc.feature_range
    return (f"{'; '.join(facts)}.\n"
            f"Scaled with the training days' range, the test windows span "
            f"{scaled.min():.2f} to {scaled.max():.2f}, but the network learned only "
            f"{learned_low:g} to {learned_high:g}, and its answers do not reach that far: its curve "
            f"lies {' and '.join(sides)} the real one.")


def compare_with_persistence(model_errors, persistence_errors, code, diagnosis=None):
    """The model's and persistence's figures side by side, and which is better by RMSE, and why.

    `diagnosis` is what scaling_diagnosis returned: where it is given and the model loses to
    persistence by more than ABOUT_AS_WELL allows, the verdict gives the scaling as the reason.
    """
    print(f"{'':12}{'MSE':>12}{'RMSE':>12}{'MAE':>12}")
    for name, values in (("model", model_errors), ("persistence", persistence_errors)):
        print(f"{name:<12}" + "".join(f"{value:12.4f}" for value in values))
    model_rmse, persistence_rmse = model_errors[1], persistence_errors[1]
    if model_rmse < persistence_rmse:
        lower = 100 * (1 - model_rmse / persistence_rmse)  # a fraction of a per cent is no discovery
        print(f"On {code} data, by RMSE the model beats persistence "
              f"({model_rmse:.2f} against {persistence_rmse:.2f}, {lower:.1f} % lower).")
        return
    if model_rmse <= ABOUT_AS_WELL * persistence_rmse:
        why = "it does about as well as 'tomorrow looks like today', and not better"
    elif diagnosis:
        why = "its prices lie outside the range the network was trained on (see above)"
    else:
        why = "it has not learned even 'tomorrow looks like today'"
    print(f"On {code} data, by RMSE persistence beats the model ({persistence_rmse:.2f} "
          f"against {model_rmse:.2f}): {why}.")
