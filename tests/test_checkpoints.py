"""No trained weights are ever lost: hard kills, full disks, locked files, worse runs.

Real signals, real filesystems: a SIGKILL, a small tmpfs mounted in a mount namespace of the
test's own (where this machine lets a test mount one), a file held open by another process.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

from conftest import (LESSONS, checkpoint_arrays, checkpoint_decision, checkpoint_of,
                      checkpoint_refusal, recorded_model,
                      epoch_losses, finish, one_line, posix_only, printed, read_until, run_script, scripts_module,
                      start_script)

LESSON = "rnn_embedding_4pre1"


def record(path):
    with h5py.File(path, "r") as f:
        return {key: f.attrs[key] for key in ("lesson", "monitor", "best", "epoch")}


# ## A run killed outright keeps the best weights of its last few seconds

def test_a_run_killed_outright_resumes_from_the_best_weights_of_its_last_seconds(tmp_path,
                                                                                 monkeypatch):
    process = start_script(LESSON, "--epochs", "100000", cwd=tmp_path, stdin=subprocess.DEVNULL)
    checkpoint = checkpoint_of(tmp_path, LESSON)
    seen = read_until(process, b"Epoch 2/")
    deadline = time.monotonic() + 120
    while not checkpoint.exists() and time.monotonic() < deadline:  # written within seconds
        seen = read_until(process, b"\nEpoch ", seen)
    seen = read_until(process, b"\nEpoch ", seen)
    process.kill()  # SIGKILL; TerminateProcess on Windows: no handler runs
    finish(process)
    first_losses = epoch_losses(seen.decode())
    kept = record(checkpoint)
    assert kept["lesson"] == LESSON and kept["monitor"] == "loss"
    assert kept["best"] < first_losses[0] - 0.1  # training progress was kept
    assert not list(checkpoint.parent.glob("*partial*"))
    # The next run resumes from it, here in this process: the lesson's model as the record builds
    # it, its checkpoint_to_load, then its load_weights; its loss on the lesson's training cycles
    # is the best the killed run kept.
    model = recorded_model(checkpoint)
    with h5py.File(checkpoint, "r") as f:
        letters = f.attrs["input_word"]
    assert checkpoint_decision(LESSON, tmp_path, "--epochs", "1", "--predict", "abcd",
                               monkeypatch=monkeypatch, model=model) is True
    model.load_weights(checkpoint)
    cycles = LESSONS[LESSON]
    x = np.array([[letters.index(letter) for letter in word] for word in cycles])
    y = np.array([letters.index(letter) for letter in cycles.values()])
    assert model.evaluate(x, y, verbose=0)[0] <= kept["best"] + 1e-3


# ## A resumed run replaces the checkpoint only with better weights

def test_a_resumed_run_that_does_worse_leaves_the_checkpoint_as_it_was(copy_of):
    cwd = copy_of("rnn_onehot_1pre1")
    path = checkpoint_of(cwd, "rnn_onehot_1pre1")
    with h5py.File(path, "a") as f:
        f.attrs["best"] = 1e-9  # a loss no run will reach: every epoch of this one is worse
    before = path.read_bytes()
    result = run_script("rnn_onehot_1pre1", "--epochs", "3", "--predict", "a", "b", cwd=cwd)
    assert result.returncode == 0, result.stderr
    printed("Trained N epochs: no epoch beat the best … of X, which is left as it was.",
            result.stdout)
    assert path.read_bytes() == before
    assert "a->b" in result.stdout and "b->c" in result.stdout  # its last epoch answers, as Keras's


def test_the_record_names_the_best_epoch_and_its_loss(trained):
    cwd, stdout = trained("rnn_onehot_1pre1")
    kept = record(checkpoint_of(cwd, "rnn_onehot_1pre1"))
    assert (kept["monitor"], kept["epoch"]) == ("loss", 100)
    assert f"best loss {kept['best']:.4f} at epoch 100" in stdout


# ## Checkpoint paths that can be neither read nor written end the run before training

# Decided by the lesson's checkpoint check, here in the test's process; the same check ends a
# lesson's run end to end in test_robustness.py (a working directory that is read-only).
def folder_linked_to_a_drive_not_mounted(cwd):
    os.symlink(cwd / "unmounted-drive" / "checkpoint", cwd / "checkpoint")


def checkpoint_linked_to_a_file_that_is_gone(cwd):
    (cwd / "checkpoint").mkdir()
    os.symlink(cwd / "gone.weights.h5", checkpoint_of(cwd, LESSON))


@posix_only  # links and pipes, as on Linux and macOS
@pytest.mark.parametrize("make, quote", [
    (folder_linked_to_a_drive_not_mounted,
     "X is a link to X, which does not exist (a drive not mounted?): …"),
    (checkpoint_linked_to_a_file_that_is_gone,
     "X is a link to X, which does not exist: remove the link (or mount its drive), then run again."),
])
def test_a_checkpoint_path_that_can_be_neither_read_nor_written_ends_the_run_before_training(
        tmp_path, monkeypatch, capsys, make, quote):
    make(tmp_path)
    line = checkpoint_refusal(LESSON, tmp_path, "--predict", "abcd", monkeypatch=monkeypatch,
                              capsys=capsys)
    printed(quote, line)
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint"]  # nothing written beside it


@posix_only
def test_a_checkpoint_path_that_is_a_pipe_is_refused_instead_of_read(tmp_path):
    # End to end, with a timeout: a pipe read by mistake would wait for ever.
    (tmp_path / "checkpoint").mkdir()
    os.mkfifo(checkpoint_of(tmp_path, LESSON))
    result = run_script(LESSON, "--predict", "abcd", cwd=tmp_path, timeout=120)
    printed("X is not a weights file but a pipe or a device: …", one_line(result))


@posix_only  # HDF5 locks files on POSIX systems; on Windows it does not
def test_a_checkpoint_another_program_holds_open_is_named_in_use_and_left_alone(copy_of, monkeypatch,
                                                                                capsys):
    cwd = copy_of("rnn_onehot_1pre1")
    path = checkpoint_of(cwd, "rnn_onehot_1pre1")
    before = checkpoint_arrays(path), record(path)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import h5py, sys, time; f = h5py.File(sys.argv[1], 'a'); "
                               "print('open', flush=True); time.sleep(120)", str(path)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        quote = "X is in use by another program (…): close it there, then run again; it is left as it is."
        # The lesson's checkpoint check, here in this process; --fresh too, which would replace it.
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


def after_the_first_write(mount, then):
    """A shell script that mounts its folder ($0) with `mount`, runs the command given after it
    there, and runs `then` once the lesson has written its checkpoint a first time."""
    return (f'{mount} && cd "$0" || exit 1; '
            f'(until [ -e "$0/checkpoint/{LESSON}.weights.h5" ] || ! kill -0 $$; do sleep 0.2; done; '
            f'{then}) & exec "$@"')


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


def test_a_disk_that_fills_during_training_loses_no_weights(tmp_path, mount_namespace):
    disk, elsewhere = tmp_path / "disk", tmp_path / "elsewhere"
    disk.mkdir()
    elsewhere.mkdir()
    # The disk fills up once training has written the checkpoint a first time; Ctrl-C once a
    # write has met the full disk.
    script = after_the_first_write('mount -t tmpfs -o size=1m tmpfs "$0"',
                                   'dd if=/dev/zero of="$0/filler" bs=64k 2>/dev/null; sleep 4.5; '
                                   'kill -INT $$')
    result = run_script(LESSON, "--epochs", "100000", cwd=tmp_path, timeout=300,
                        wrapper=[*mount_namespace, "sh", "-c", script, str(disk)],
                        env={"TMPDIR": str(elsewhere)})
    assert result.returncode == 130, result.stderr
    saved = elsewhere / f"{LESSON}.weights.h5"
    assert "Training interrupted after " in result.stderr
    assert (f"could not be written (no space left on the disk), so it is saved to {saved}: copy "
            f"that file to ./checkpoint/{LESSON}.weights.h5 to resume from it.") in result.stderr
    assert "Run the script again" not in result.stderr  # it would not resume from there
    printed("Warning: cannot write X now (…); the best weights are kept in memory until training "
            "ends.", result.stderr)
    printed("… X could not be written (…), so it is saved to X: copy that file to X to resume "
            "from it.", result.stderr)
    assert record(saved)["lesson"] == LESSON
    assert "Error" not in result.stderr


@posix_only
def test_a_folder_turned_read_only_during_training_then_ctrl_c_keeps_the_weights_and_ends_130(
        tmp_path, mount_namespace):
    work, elsewhere = tmp_path / "work", tmp_path / "elsewhere"
    work.mkdir()
    elsewhere.mkdir()
    script = after_the_first_write('mount --bind "$0" "$0"',
                                   'mount -o remount,bind,ro "$0"; sleep 1; kill -INT $$')
    result = run_script(LESSON, "--epochs", "100000", cwd=tmp_path, timeout=300,
                        wrapper=[*mount_namespace, "sh", "-c", script, str(work)],
                        env={"TMPDIR": str(elsewhere)})
    assert result.returncode == 130, result.stderr
    saved = elsewhere / f"{LESSON}.weights.h5"
    assert (f"could not be written (Read-only file system), so it is saved to {saved}"
            in result.stderr)
    assert record(saved)["monitor"] == "loss"


def test_a_weight_dump_or_a_picture_that_cannot_be_written_is_a_warning(tmp_path, capsys):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files, plots = scripts_module("lessonkit.files"), scripts_module("lessonkit.plots")
    (tmp_path / "a-file").write_text("where a folder should be", encoding="utf-8")
    with files.weights_file(str(tmp_path / "a-file" / "x_weights.txt")) as file:
        file.write("sequential/simple_rnn/simple_rnn_cell/kernel\n")
    plt.plot([1, 2, 3], label="Training Loss")
    args = argparse.Namespace(name="x", no_show=True)
    plots.show_or_save(str(tmp_path / "a-file" / "x_curves.png"), args)
    out = capsys.readouterr().out
    printed("Warning: could not write X (…).", out)
    printed("Warning: could not save X (…).", out)


def test_weights_that_can_be_saved_nowhere_are_said_to_be_lost(tmp_path, monkeypatch):
    import tensorflow as tf

    best_weights = scripts_module("lessonkit.best_weights")
    model = tf.keras.Sequential([tf.keras.Input((1, 5)), tf.keras.layers.SimpleRNN(3)])
    (tmp_path / "a-file").write_text("where the checkpoint's folder should be", encoding="utf-8")
    callback = best_weights.ModelCheckpoint(str(tmp_path / "a-file" / "x.weights.h5"),
                                            monitor="loss")
    callback.set_model(model)
    # The temporary folder and the home folder cannot take it either.
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "a-file"))
    monkeypatch.setenv("HOME", str(tmp_path / "a-file"))
    monkeypatch.setenv("USERPROFILE", str(tmp_path / "a-file"))
    callback.interval = 1e9  # nothing written during training: all at the end
    callback.on_epoch_end(0, {"loss": 0.5})  # a better epoch, kept in memory
    line = f"Trained 1 epochs: {callback.write_at_the_end()}."  # as it is printed
    printed("… it could not be saved anywhere (…): free some space and train again.", line)


@posix_only
def test_a_checkpoint_that_cannot_be_replaced_at_the_end_is_kept_aside_and_named(tmp_path):
    process = start_script(LESSON, "--epochs", "100000", cwd=tmp_path, stdin=subprocess.DEVNULL)
    checkpoint = checkpoint_of(tmp_path, LESSON)
    seen = read_until(process, b"Epoch 2/")
    while not checkpoint.exists():  # the first write, a few seconds in
        seen = read_until(process, b"\nEpoch ", seen)
    # What Windows does while another program holds the file open: the rename over it fails.
    checkpoint.unlink()
    checkpoint.mkdir()
    for _ in range(3):  # better epochs since that write: the one at the end is needed
        seen = read_until(process, b"\nEpoch ", seen)
    process.send_signal(signal.SIGINT)
    _, stderr = finish(process)
    assert process.returncode == 130, stderr
    printed("…; it could not replace X (…), so it is kept in X: rename that file to X to resume "
            "from it.", stderr)
    kept = list(checkpoint.parent.glob(f"{LESSON}.kept-*.weights.h5"))
    assert len(kept) == 1 and record(kept[0])["lesson"] == LESSON
    assert not list(checkpoint.parent.glob("*partial*"))


@posix_only
def test_an_output_that_cannot_be_replaced_ends_the_run_before_training(tmp_path,
                                                                         mount_namespace):
    dump = tmp_path / f"{LESSON}_weights.txt"
    dump.write_text("an older dump, on a read-only mount\n")
    script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
    result = run_script(LESSON, "--predict", "abcd", cwd=tmp_path,
                        wrapper=[*mount_namespace, "sh", "-c", script, str(dump)])
    line = one_line(result)
    printed("Cannot write X: …; move it away, or run the script from another folder.", line)
    assert "it cannot be replaced (Read-only file system)" in line
    assert "Epoch" not in result.stdout


def test_a_replace_refused_on_windows_is_retried_and_a_new_file_kept_aside(tmp_path):
    files, platforms = scripts_module("lessonkit.files"), scripts_module("lessonkit.platforms")
    windows = platforms.Facts(os="windows", environ={})
    in_use = PermissionError(13, "The process cannot access the file")
    in_use.winerror = 32
    assert files.replace_is_worth_retrying(in_use, windows)
    assert not files.replace_is_worth_retrying(in_use, platforms.Facts(os="linux", environ={}))
    target = tmp_path / "checkpoint.weights.h5"
    target.mkdir()  # a rename over a folder fails here as one over an open file fails on Windows
    with pytest.raises(files.NotReplaced) as refused:
        files.write_whole(str(target), lambda path: open(path, "w").write("new"), keep=True)
    assert open(refused.value.kept_path).read() == "new"
    assert ".kept-" in refused.value.kept_path
    assert not list(tmp_path.glob("*partial*"))


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
