"""``crnn-ocr bench DATASET``: our models vs Tesseract 5 on the same lines, cores and scoring."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crnn_ocr.cli import common
from crnn_ocr.cli.predict_cmd import BatchOption, ModelOption, load_params, open_recognizer
from crnn_ocr.errors import CrnnOcrError

if TYPE_CHECKING:
    from crnn_ocr.inference.bench import BenchResult

BENCH_HELP = (
    "Benchmark our classifier+CRNN against Tesseract 5 (`tesseract IMG stdout -l rus --psm 7`) "
    "on the same images of DATASET (a folder with labels.csv, or the labels.csv itself).\n\n"
    "Prints CER, WER and exact match per class for both, lines/s for both, and the ratios. "
    "Both use every core: our decode threads + TensorFlow, Tesseract as one single-threaded "
    "process per core (OMP_THREAD_LIMIT=1). Tesseract is skipped with a message when it or its "
    "language model is missing (apt-get install -y tesseract-ocr tesseract-ocr-rus)."
)


def _labels_csv(dataset: Path) -> Path:
    path = dataset / "labels.csv" if dataset.is_dir() else dataset
    if not path.is_file():
        raise CrnnOcrError(f"{dataset}: no labels.csv (give a dataset folder or its labels.csv)")
    return path


def print_result(result: BenchResult) -> None:
    from rich.table import Table

    engines = [result.ours] + ([result.tesseract] if result.tesseract else [])
    table = Table(title=f"{result.lines} lines, {result.cores} cores")
    table.add_column("group")
    table.add_column("metric")
    for engine in engines:
        table.add_column(engine.name, justify="right")
    if result.tesseract:
        table.add_column("ratio", justify="right")
    groups = ["all", *result.ours.by_class]
    ratios = result.ratios()
    for group in groups:
        scores = [e.overall if group == "all" else e.by_class[group] for e in engines]
        label = {"class_0": "printed (0)", "class_1": "handwritten (1)"}.get(group, group)
        label = f"{label}, {scores[0].lines} lines"
        for metric in ("cer", "wer", "exact_match"):
            cells = [f"{getattr(s, metric):.2%}" for s in scores]
            if result.tesseract:
                cells.append(f"tess/ours {ratios[f'cer_{group}']:.2f}" if metric == "cer" else "")
            table.add_row(label if metric == "cer" else "", metric.upper().replace("_", " "),
                          *cells)
    speeds = [f"{e.lines_per_s:.1f}" for e in engines]
    if result.tesseract:
        speeds.append(f"ours/tess {ratios['speed']:.2f}")
    table.add_row("speed", "lines/s", *speeds)
    table.add_row("", "seconds", *[f"{e.seconds:.2f}" for e in engines],
                  *([""] if result.tesseract else []))
    common.out.print(table)
    for target, met, value in result.targets():
        mark = "[green]met[/]" if met else "[red]NOT met[/]"
        common.out.print(f"target: {target}: {mark} ({value})", highlight=False)
    if result.tesseract is None:
        common.console.print(f"[yellow]tesseract skipped:[/] {result.tesseract_skipped}",
                             highlight=False, soft_wrap=True)
    elif result.tesseract.failed:
        common.console.print(f"tesseract failed on {result.tesseract.failed} lines "
                             "(scored as empty readings)")
    if result.skipped:
        common.console.print(f"{len(result.skipped)} unreadable images skipped for both engines")


def bench(
    dataset: Annotated[Path, typer.Argument(help="Dataset folder (images/ + labels.csv).")],
    limit: Annotated[
        int | None,
        typer.Option("--limit", "-n", min=1, help="At most N lines per class (seeded sample)."),
    ] = None,
    split: Annotated[
        str | None,
        typer.Option(help="Only the rows of this split (train, val, test) of the labels.csv."),
    ] = None,
    model: ModelOption = None,
    batch_size: BatchOption = None,
    workers: Annotated[
        int, typer.Option(min=0, help="Tesseract processes; 0 = inference.tesseract.workers.")
    ] = 0,
    no_tesseract: Annotated[
        bool, typer.Option("--no-tesseract", help="Only time and score our models.")
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Also write the results as JSON here.")
    ] = None,
    params_file: common.ParamsOption = None,  # type: ignore[assignment]
    sets: common.SetOption = None,
) -> None:
    from crnn_ocr.inference import bench as bench_lib
    from crnn_ocr.inference.sources import dataset_inputs, limit_per_class
    from crnn_ocr.io.atomic import atomic_file

    params = load_params(params_file, sets)
    inputs = limit_per_class(dataset_inputs(_labels_csv(dataset), split), limit, params.seed)
    recognizer = open_recognizer(params, model, batch_size)
    tess = params.inference.tesseract
    common.console.print(f"benchmarking {len(inputs.paths)} lines ...")
    result = bench_lib.run(
        recognizer,
        inputs,
        lang=tess.lang,
        psm=tess.psm,
        workers=workers or tess.workers,
        timeout_s=tess.timeout_s,
        with_tesseract=not no_tesseract,
    )
    print_result(result)
    if out is not None:
        with atomic_file(out, encoding="utf-8") as handle:
            json.dump(result.as_dict(), handle, indent=2, ensure_ascii=False)  # type: ignore[arg-type]
        common.console.print(f"results written to {out}")


def register(app: typer.Typer) -> None:
    app.command("bench", help=BENCH_HELP)(bench)
