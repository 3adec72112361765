"""MSE, RMSE and MAE of a price forecast, the model beside persistence, and why it loses."""
import math

import numpy as np

ABOUT_AS_WELL = 1.15  # an RMSE within this factor of persistence's is "about as well"


def scaling_diagnosis(training_prices, test_prices, predicted_days, sc):
    """The lines on the last `predicted_days` test days that open outside the training range `sc`
    learned; or None."""
    training, test = np.ravel(training_prices), np.ravel(test_prices)
    predicted = test[len(test) - predicted_days:]
    facts, sides = [], []
    for word, bound, side, outside in (("above", training.max(), "highest", np.greater),
                                       ("below", training.min(), "lowest", np.less)):
        count = outside(predicted, bound).sum()
        if count:
            facts.append(f"{count} of the {predicted_days} predicted days (and {outside(test, bound).sum()} "
                         f"of all {len(test)} test days) open {word} {bound:.2f}, the {side} training price")
            sides.append("below" if word == "above" else "above")
    if not facts:
        return None
    scaled = sc.transform(test.reshape(-1, 1))
    low, high = sc.feature_range
    return (f"{'; '.join(facts)}.\nScaled with the training days' range, the test windows span "
            f"{scaled.min():.2f} to {scaled.max():.2f}, but the network learned only {low:g} to "
            f"{high:g}, and its answers do not reach that far: its curve lies "
            f"{' and '.join(sides)} the real one.")


def compare_with_persistence(model_errors, persistence, real_stock_price, code, diagnosis=None):
    """The model's (MSE, RMSE, MAE) beside persistence's (each day predicted to open where the day
    before opened, computed with scikit-learn as the lecture does), which is better by RMSE, and why."""
    from sklearn.metrics import mean_absolute_error, mean_squared_error

    mse = mean_squared_error(persistence, real_stock_price)
    persistence_errors = mse, math.sqrt(mse), mean_absolute_error(persistence, real_stock_price)
    print(f"{'':12}{'MSE':>12}{'RMSE':>12}{'MAE':>12}")
    for name, values in (("model", model_errors), ("persistence", persistence_errors)):
        print(f"{name:<12}" + "".join(f"{value:12.4f}" for value in values))
    model, baseline = model_errors[1], persistence_errors[1]
    if model < baseline:
        print(f"On {code} data, by RMSE the model beats persistence ({model:.2f} against "
              f"{baseline:.2f}, {100 * (1 - model / baseline):.1f} % lower).")
        return
    if model <= ABOUT_AS_WELL * baseline:
        why = "it does about as well as 'tomorrow looks like today', and not better"
    elif diagnosis:
        why = "its prices lie outside the range the network was trained on (see above)"
    else:
        why = "it has not learned even 'tomorrow looks like today'"
    print(f"On {code} data, by RMSE persistence beats the model ({baseline:.2f} against {model:.2f}): {why}.")
