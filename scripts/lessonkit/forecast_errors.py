"""Error figures of a price forecast, and the model set beside persistence: the honest baseline.

Persistence predicts that each day opens where the day before opened. A daily price moves little,
so it is already a good forecast, and it costs nothing: a model that does not beat it has
learned little beyond 'tomorrow looks like today'.
"""
import math


def errors(predicted, real):
    """(MSE, RMSE, MAE) of a forecast, as the lecture computes them with scikit-learn."""
    from sklearn.metrics import mean_absolute_error, mean_squared_error

    mse = mean_squared_error(predicted, real)
    return mse, math.sqrt(mse), mean_absolute_error(predicted, real)


def persistence_forecast(test_set, time_steps):
    """The day before's opening price for each test day that the model predicts."""
    return test_set[time_steps - 1:-1]


def compare_with_persistence(model_errors, persistence_errors, code):
    """The model's and persistence's figures side by side, and which is better by RMSE."""
    print(f"{'':12}{'MSE':>12}{'RMSE':>12}{'MAE':>12}")
    for name, values in (("model", model_errors), ("persistence", persistence_errors)):
        print(f"{name:<12}" + "".join(f"{value:12.4f}" for value in values))
    model_rmse, persistence_rmse = model_errors[1], persistence_errors[1]
    if model_rmse < persistence_rmse:
        print(f"On {code} data, by RMSE the model beats persistence "
              f"({model_rmse:.2f} against {persistence_rmse:.2f}).")
    else:
        print(f"On {code} data, by RMSE persistence beats the model ({persistence_rmse:.2f} "
              f"against {model_rmse:.2f}): it has learned little beyond 'tomorrow looks like today'.")
