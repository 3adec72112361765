"""What every lesson script shares, one concern to a module, so that the lessons show only the lesson.

    flags             the command-line flags, defined once for every script
    exits             how a run ends: one line and a status, never a traceback
    console           output that never fails; training progress as this console can show it
    platforms         the facts that differ between Linux, macOS, Windows, notebooks and IDEs
    commands          the commands a message suggests, as the user would type them there
    tensorflow_start  importing TensorFlow for a lesson, only once it will train
    training          what `fit` reads: cached tf.data pipelines
    checkpoints       the checkpoint file: checked, resumed from (断点续训), written whole
    best_weights      keeping the best weights while training, whatever ends it
    weight_dump       参数提取: every trainable variable in a text file
    files             the files a run writes: checked before training, written whole
    plots             the curves and the stock prediction, saved and shown where they can be
    prompt            the letter lessons' prediction prompt, --probs and --generate
    prices            the stock lessons' price file, read right whatever its layout, or made up
    price_scaling     --scaling window: each window scaled by its last price, and back to prices
    forecast_errors   MSE, RMSE and MAE, the model beside persistence, and why it loses
"""
