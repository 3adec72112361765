"""What `fit` reads: the lessons' arrays as cached tf.data pipelines, ready before training starts."""


def batches(model, x_train, y_train, batch_size, seed=7):
    """The training data as fit(x_train, y_train, batch_size=...) would batch it, made ready once.

    The samples are reshuffled at every epoch, then batched, as fit does with arrays; but the
    pipeline is cached, so the arrays are not converted again at every epoch, and the metrics'
    variables are made here from one batch, so that fit traces its training step once instead
    of twice. The same lesson in a fraction of the time (see the README's Speed section).
    fit's own `shuffle` does not apply to it: the pipeline does its own shuffling.
    """
    import tensorflow as tf

    x_batch, y_batch = x_train[:batch_size], y_train[:batch_size]
    model.compute_metrics(x_batch, y_batch, model(x_batch), sample_weight=None)
    model.reset_metrics()
    return (tf.data.Dataset.from_tensor_slices((x_train, y_train)).cache()
            .shuffle(len(x_train), seed=seed, reshuffle_each_iteration=True).batch(batch_size))


def validation_batches(x, y, batch_size):
    """Validation data as a cached tf.data pipeline: what fit(validation_data=(x, y)) does, once."""
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size).cache()
