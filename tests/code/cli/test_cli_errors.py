"""User mistakes print one line, verbatim (messages are not read as console markup)."""

from __future__ import annotations

from crnn_ocr.cli.main import main


def test_config_errors_are_printed_verbatim_brackets_included(tmp_path, capsys) -> None:
    params = tmp_path / "params.yaml"
    params.write_text("train: {ocr: {augment: {width_scale: [0.9, 1.2]}}}\n", encoding="utf-8")
    code = main(["train", "ocr", "-p", str(params)])
    err = capsys.readouterr().err
    assert code == 2
    assert "train.ocr.augment" in err and "width_scale must be [low, high] with" in err
    assert "Traceback" not in err


def test_unknown_options_and_commands_are_usage_errors_not_tracebacks(capsys) -> None:
    assert main(["train", "classifier", "--no-such-flag"]) == 2
    err = capsys.readouterr().err
    assert "No such option: --no-such-flag" in err and "Traceback" not in err
    assert main(["no-such-command"]) == 2
    assert "No such command 'no-such-command'" in capsys.readouterr().err
