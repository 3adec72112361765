"""What `fit` reads: the training data as a cached tf.data pipeline, and how it reports progress."""
import sys
import warnings


def prepare_fit(model, x_train, y_train, batch_size, seed=7):
    """Give fit a cached tf.data pipeline and create the optimizer's and metrics' variables now.

    Does what fit(x_train, y_train, batch_size=...) does (the samples reshuffled at every epoch,
    then batched), but `fit` then traces its training step once instead of twice and does not
    convert the arrays again at every epoch: the same lesson in a fraction of the time. The
    metrics' variables are made from one batch, so memory stays that of a batch, however long
    the data.
    """
    import tensorflow as tf

    # The dataset shuffles itself; fit's own shuffle=True default does not apply to datasets.
    warnings.filterwarnings("ignore", message="`shuffle=True` was passed")
    model.optimizer.build(model.trainable_variables)
    x_batch, y_batch = x_train[:batch_size], y_train[:batch_size]
    model.compute_metrics(x_batch, y_batch, model(x_batch), sample_weight=None)
    model.reset_metrics()
    return (tf.data.Dataset.from_tensor_slices((x_train, y_train)).cache()
            .shuffle(len(x_train), seed=seed, reshuffle_each_iteration=True).batch(batch_size))


def cached_batches(x, y, batch_size):
    """Validation data as a cached tf.data pipeline: what fit(validation_data=(x, y)) does, once."""
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size).cache()


def progress_verbosity():
    """Keras's progress bar in a terminal; one plain line per epoch in a pipe or a log file."""
    return "auto" if sys.stdout.isatty() else 2
