"""No trained weights are ever lost: worse runs, locked files, full disks, paths in the way.

Real filesystems: a small tmpfs mounted in a mount namespace of the test's own (where this
machine lets a test mount one), a file held open by another process.
"""
import argparse
import os
import shutil
import subprocess
import sys

import h5py
import pytest

from conftest import (checkpoint_arrays, checkpoint_of, checkpoint_refusal, lesson_started, one_line, posix_only,
                      printed, recorded_model, run_script, scripts_module)

LESSON = "rnn_embedding_4pre1"


def record(path):
    with h5py.File(path, "r") as f:
        return {key: f.attrs[key] for key in ("lesson", "monitor", "best", "epoch")}


# ## A resumed run replaces the checkpoint only with better weights

def checkpoint_callback(path, model):
    """The lesson's ModelCheckpoint for `path`, made as the lesson makes it after its load."""
    callback = scripts_module("lessonkit.best_weights").ModelCheckpoint(
        filepath=str(path), save_weights_only=True, save_best_only=True, monitor="loss")
    callback.set_model(model)
    callback.set_params({"verbose": 0, "epochs": 3, "steps": 1})
    return callback


def test_a_resumed_run_that_does_worse_leaves_the_checkpoint_as_it_was(copy_of, capsys):
    # The checkpoint's best is the bar (Keras's initial_value_threshold): three epochs, each
    # worse than it, as the callback sees them in the lesson's fit, here in this process.
    cwd = copy_of("rnn_onehot_1pre1")
    path = checkpoint_of(cwd, "rnn_onehot_1pre1")
    with h5py.File(path, "a") as f:
        f.attrs["best"] = 1e-9  # a loss no run will reach
    before = path.read_bytes()
    callback = checkpoint_callback(path, recorded_model(path))
    callback.on_train_begin()
    for epoch in range(3):
        callback.on_epoch_end(epoch, {"loss": 0.3})
    callback.on_train_end()
    line = capsys.readouterr().out.strip()
    printed("Trained N epochs: no epoch beat the best … of X, which is left as it was.", line)
    assert path.read_bytes() == before


def test_a_better_epoch_is_written_whole_with_its_record(tmp_path, capsys):
    import keras

    model = keras.Sequential([keras.Input((1, 5)), keras.layers.SimpleRNN(3), keras.layers.Dense(5)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    path = tmp_path / "checkpoint" / "lesson.weights.h5"
    callback = checkpoint_callback(path, model)
    callback.interval = 0  # every better epoch at once
    callback.on_train_begin()
    callback.on_epoch_end(0, {"loss": 0.5})
    assert record(path) == {"lesson": "lesson", "monitor": "loss", "best": 0.5, "epoch": 1}
    callback.on_epoch_end(1, {"loss": 0.7})  # worse: not written
    callback.on_epoch_end(2, {"loss": 0.4})
    callback.on_train_end()
    assert record(path)["best"] == 0.4 and record(path)["epoch"] == 3
    assert os.listdir(path.parent) == ["lesson.weights.h5"]  # written beside, then renamed
    printed("Trained N epochs: best loss … at epoch N, saved to X.", capsys.readouterr().out)


def test_when_the_last_epoch_is_not_the_best_the_line_says_which_weights_the_model_keeps(tmp_path, capsys):
    # The stock lessons' case (monitor val_loss), decided here rather than left to a 2-epoch run.
    import keras

    model = keras.Sequential([keras.Input((3, 1)), keras.layers.SimpleRNN(2), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    path = tmp_path / "checkpoint" / "stock.weights.h5"
    callback = scripts_module("lessonkit.best_weights").ModelCheckpoint(
        filepath=str(path), save_weights_only=True, save_best_only=True, monitor="val_loss")
    callback.set_model(model)
    callback.set_params({"verbose": 0, "epochs": 2, "steps": 1})
    callback.on_train_begin()
    callback.on_epoch_end(0, {"loss": 0.5, "val_loss": 0.2})
    callback.on_epoch_end(1, {"loss": 0.4, "val_loss": 0.3})
    callback.on_train_end()
    line = capsys.readouterr().out.strip()
    assert line.endswith("at epoch 1, saved to " + str(path) + "; the model goes on with the weights of epoch 2, its last.")
    printed("Trained N epochs: best val_loss … at epoch N, saved to X; the model goes on with "
            "the weights of epoch N, its last.", line)
    assert record(path)["epoch"] == 1


def test_weights_a_failed_run_moved_aside_are_named_once_the_edit_is_undone(copy_of, monkeypatch, capsys):
    # An edit that fails in fit (Input(shape=(1, 4))) has moved the checkpoint aside and written
    # none; the edit undone, the lesson's checkpoint check names the kept file, here in this process.
    checkpoints, exits = scripts_module("lessonkit.checkpoints"), scripts_module("lessonkit.exits")
    cwd = copy_of("rnn_onehot_1pre1")
    path = checkpoint_of(cwd, "rnn_onehot_1pre1")
    kept = path.with_name("rnn_onehot_1pre1.kept-20261204-120000.weights.h5")
    os.replace(path, kept)
    model = recorded_model(kept)
    args = lesson_started("rnn_onehot_1pre1", cwd, ["--epochs", "0"], monkeypatch)
    with pytest.raises(exits.Ending) as ended:
        checkpoints.checkpoint_to_load(model, "./checkpoint/rnn_onehot_1pre1.weights.h5", args)
    assert f"./checkpoint/{kept.name} was trained with this model" in ended.value.message
    printed("Nothing trained to predict with: there is no X; X was trained with this model: rename it to X "
            "to predict with it.", ended.value.message)
    args = lesson_started("rnn_onehot_1pre1", cwd, [], monkeypatch)
    assert checkpoints.checkpoint_to_load(model, "./checkpoint/rnn_onehot_1pre1.weights.h5", args) is False
    printed("(X was trained with this model: rename it to X to resume from it; this run trains from scratch.)",
            capsys.readouterr().out)
    assert kept.exists() and not path.exists()


def test_the_record_names_the_best_epoch_and_its_loss(trained):
    cwd, stdout = trained("rnn_onehot_1pre1")
    kept = record(checkpoint_of(cwd, "rnn_onehot_1pre1"))
    assert (kept["monitor"], kept["epoch"]) == ("loss", 100)
    assert f"best loss {kept['best']:.4f} at epoch 100" in stdout


# ## Checkpoint paths that can be neither read nor written end the run before training

@posix_only  # HDF5 locks files on POSIX systems; on Windows it does not
def test_a_checkpoint_another_program_holds_open_is_named_in_use_and_left_alone(copy_of, monkeypatch,
                                                                                capsys):
    cwd = copy_of("rnn_onehot_1pre1")
    path = checkpoint_of(cwd, "rnn_onehot_1pre1")
    before = checkpoint_arrays(path), record(path)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import h5py, sys, time; f = h5py.File(sys.argv[1], 'a'); "
                               "print('open', flush=True); time.sleep(120)", str(path)],
        stdout=subprocess.PIPE, text=True, encoding="utf-8")
    try:
        assert holder.stdout.readline().strip() == "open"
        quote = "X is in use by another program (…): close it there, then run again; it is left as it is."
        # The lesson's checkpoint check, here in this process; --fresh too, which would move it.
        for fresh in ([], ["--fresh"]):
            printed(quote, checkpoint_refusal("rnn_onehot_1pre1", cwd, "--epochs", "2", *fresh,
                                              monkeypatch=monkeypatch, capsys=capsys))
    finally:
        holder.kill()
        holder.wait()
    arrays, kept = before
    assert all((a == b).all() for a, b in zip(checkpoint_arrays(path), arrays))
    assert record(path) == kept


# ## Full disks and folders that turn read-only

@pytest.fixture
def mount_namespace(tmp_path):
    """A command prefix that runs a command in a mount namespace of its own, or a skip."""
    if os.name != "posix" or shutil.which("unshare") is None:
        pytest.skip("needs unshare(1) to mount a filesystem for the test alone")
    probe = subprocess.run(["unshare", "--mount", "sh", "-c", 'mount -t tmpfs tmpfs "$0"',
                            str(tmp_path)], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("this machine does not let a test mount a filesystem "
                    f"({probe.stderr.decode().strip()[:80]})")
    return ("unshare", "--mount")


def test_a_disk_too_full_for_the_checkpoint_ends_the_run_before_training(tmp_path,
                                                                          mount_namespace):
    disk = tmp_path / "small-disk"
    disk.mkdir()
    command = [*mount_namespace, "sh", "-c",
               'mount -t tmpfs -o size=16k tmpfs "$0" && cd "$0" && exec "$@"', str(disk)]
    result = run_script(LESSON, "--predict", "abcd", cwd=tmp_path, wrapper=command)
    line = one_line(result)
    printed("Cannot write X (…): free some space, or run the script from another folder.", line)
    assert "no space left on the disk" in line
    assert "Epoch 2/" not in result.stdout


def test_a_picture_that_cannot_be_written_is_a_warning(tmp_path, capsys):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plots = scripts_module("lessonkit.plots")
    (tmp_path / "a-file").write_text("where a folder should be", encoding="utf-8")
    plt.plot([1, 2, 3], label="Training Loss")
    plots.show_or_save(str(tmp_path / "a-file" / "x_curves.png"), argparse.Namespace(name="x", no_show=True))
    printed("Warning: could not save X (…).", capsys.readouterr().out)


def test_a_replace_windows_refuses_for_a_moment_is_retried(monkeypatch, tmp_path):
    files, platforms = scripts_module("lessonkit.files"), scripts_module("lessonkit.platforms")
    windows = platforms.Facts(os="windows", environ={})
    in_use = PermissionError(13, "The process cannot access the file")
    in_use.winerror = 32
    assert files.replace_is_worth_retrying(in_use, windows)
    assert not files.replace_is_worth_retrying(in_use, platforms.Facts(os="linux", environ={}))
    attempts, real_replace = [], os.replace

    def held_twice(source, target):  # what Windows does while another program has the file open
        attempts.append(target)
        if len(attempts) <= 2:
            raise in_use
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", held_twice)
    (tmp_path / "new").write_text("new", encoding="utf-8")
    files.replace(str(tmp_path / "new"), str(tmp_path / "old"), facts=windows)
    assert len(attempts) == 3 and (tmp_path / "old").read_text(encoding="utf-8") == "new"


def test_a_write_that_fails_leaves_the_old_file_whole(tmp_path):
    files = scripts_module("lessonkit.files")
    target = tmp_path / "checkpoint.weights.h5"
    target.write_bytes(b"the old weights")

    def half_then_fail(path):
        with open(path, "wb") as file:
            file.write(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        files.write_whole(str(target), half_then_fail)
    assert target.read_bytes() == b"the old weights" and os.listdir(tmp_path) == [target.name]


def test_a_change_in_one_of_two_layers_of_a_kind_names_the_layer(tmp_path):
    import keras

    checkpoints = scripts_module("lessonkit.checkpoints")

    def stacked(units):
        keras.backend.clear_session()
        return keras.Sequential([keras.Input((4, 5)), keras.layers.SimpleRNN(3, return_sequences=True),
                                 keras.layers.SimpleRNN(units), keras.layers.Dense(5)]).to_json()

    path = tmp_path / "lesson.weights.h5"
    with h5py.File(path, "w") as f:  # the record of a checkpoint trained with 4 units last
        f.attrs["lesson"], f.attrs["model"] = "lesson", stacked(4)
    assert checkpoints.lesson_changes(str(path), stacked(4)) == ""
    assert checkpoints.lesson_changes(str(path), stacked(6)) == "SimpleRNN units 4 -> 6 in simple_rnn_1"


def test_a_new_learning_rate_is_a_changed_lesson(tmp_path):
    # What the code says runs: a checkpoint trained with Adam(0.01) is kept aside for Adam(0.5).
    import keras

    checkpoints = scripts_module("lessonkit.checkpoints")

    def lesson(rate):
        keras.backend.clear_session()
        model = keras.Sequential([keras.Input((1, 5)), keras.layers.SimpleRNN(3), keras.layers.Dense(5)])
        model.compile(optimizer=keras.optimizers.Adam(rate), loss="mse")
        return model.to_json()

    path = tmp_path / "lesson.weights.h5"
    with h5py.File(path, "w") as f:
        f.attrs["lesson"], f.attrs["model"] = "lesson", lesson(0.01)
    assert checkpoints.lesson_changes(str(path), lesson(0.01)) == ""
    assert checkpoints.lesson_changes(str(path), lesson(0.5)) == "optimizer learning_rate 0.01 -> 0.5"


def test_the_courses_tensorflow_2_1_checkpoint_is_said_to_be_unreadable(tmp_path, monkeypatch, capsys):
    # The course's folder copied with its checkpoints: the lesson's checkpoint check, in this process.
    from conftest import lesson_started

    (tmp_path / "checkpoint").mkdir()
    for name in ("rnn_onehot_1pre1.ckpt.index", "rnn_onehot_1pre1.ckpt.data-00000-of-00001", "rnn_stock.ckpt.index"):
        (tmp_path / "checkpoint" / name).write_bytes(b"TensorFlow 2.1's")
    checkpoints = scripts_module("lessonkit.checkpoints")
    for lesson in ("rnn_onehot_1pre1", "stock_rnn"):
        args = lesson_started(lesson, tmp_path, ["--epochs", "1"], monkeypatch)
        checkpoints.check_checkpoint(f"./checkpoint/{lesson}.weights.h5", args)
    lines = capsys.readouterr().out.strip().splitlines()
    for line in lines:
        printed("(X is the course's TensorFlow 2.1 checkpoint, which Keras 3 cannot read: this lesson "
                "trains its own, X.)", line)
    assert [line.split()[0] for line in lines] == ["(./checkpoint/rnn_onehot_1pre1.ckpt", "(./checkpoint/rnn_stock.ckpt"]


def test_a_write_that_fails_during_training_is_said_once_and_the_old_checkpoint_stays(tmp_path, capsys):
    import keras

    model = keras.Sequential([keras.Input((1, 5)), keras.layers.SimpleRNN(3), keras.layers.Dense(5)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    path = tmp_path / "checkpoint" / "lesson.weights.h5"
    callback = checkpoint_callback(path, model)
    callback.interval = 0
    callback.on_train_begin()
    callback.on_epoch_end(0, {"loss": 0.5})  # written
    before = path.read_bytes()
    shutil.rmtree(path.parent)
    path.parent.write_text("a file where the folder was: every write fails", encoding="utf-8")
    for epoch, loss in ((1, 0.4), (2, 0.3)):
        callback.on_epoch_end(epoch, {"loss": loss})
    callback.on_train_end()
    out, err = capsys.readouterr()
    assert err.count("Warning: cannot write") == 1
    printed("Warning: cannot write X now (…); trying again at the next better epoch.", err)
    printed("Trained N epochs: best … at epoch N, but X could not be written (…): it is not saved.", out)
    assert "best loss 0.3000 at epoch 3" in out and len(before) > 0


def test_a_picture_without_a_chinese_font_says_so_once_and_warns_of_no_glyph(tmp_path, capsys, monkeypatch):
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plots = scripts_module("lessonkit.plots")
    monkeypatch.setattr(plots, "chinese_fonts", lambda installed=None: [])  # a machine without one
    monkeypatch.setattr(plots, "_said", [])
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        for name in ("我的rnn", "我的股票"):
            plt.plot([1, 2, 3], label="Training Loss")
            plots.show_or_save(str(tmp_path / f"{name}_curves.png"), argparse.Namespace(name=name, no_show=True))
    out = capsys.readouterr().out
    assert out.count("(No font with Chinese characters") == 1 and not [w for w in seen if "Glyph" in str(w.message)]
    printed("(No font with Chinese characters was found, so the picture draws them as boxes: install one, such "
            "as Noto Sans CJK SC, to see them.)", out)
