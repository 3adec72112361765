"""What `fit` reads: the lesson's arrays as cached tf.data pipelines (docs/speed.md)."""


def batches(model, x_train, y_train, batch_size, seed=7):
    """fit(x_train, y_train, batch_size=...)'s batches, reshuffled every epoch, converted once;
    the metrics built from one batch, so that fit traces its step once. fit's `shuffle` does not
    apply: the pipeline shuffles."""
    import tensorflow as tf

    x_batch, y_batch = x_train[:batch_size], y_train[:batch_size]
    model.compute_metrics(x_batch, y_batch, model(x_batch), sample_weight=None)
    model.reset_metrics()
    return (tf.data.Dataset.from_tensor_slices((x_train, y_train)).cache()
            .shuffle(len(x_train), seed=seed, reshuffle_each_iteration=True).batch(batch_size))


def validation_batches(x, y, batch_size):
    """fit(validation_data=(x, y))'s batches, converted once."""
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size).cache()
