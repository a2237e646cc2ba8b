"""One front door for model files: ModelSpec JSON, a problem folder, LP or MPS.

Every command that takes "a model" (solve, export, eval, benchmarks) goes through `load_input`, so each
input kind is accepted everywhere and every failure surfaces as one `InputError` whose message says what,
where and how to fix it. Compilation of specs happens here too, so callers get both the `LinearModel` and,
when there is one, the `CompiledModel` with its index structure.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from formulation.compile import CompiledModel, CompileOptions, DataFileError, ModelBuildError, compile_spec, load_data
from formulation.spec import ModelSpec, SpecFileError, load_spec
from solvers.errors import MilpflowError
from solvers.linear import LinearModel

if TYPE_CHECKING:
    from formulation.v2.compiler import CompiledV2

__all__ = ["DATA_FILE_NAME", "SPEC_FILE_NAME", "InputError", "LoadedModel", "load_input", "load_linear_model"]

SPEC_FILE_NAME = "model.json"
DATA_FILE_NAME = "data.json"
_MODEL_FILE_SUFFIXES = (".lp", ".mps", ".mps.gz", ".lp.gz")


class InputError(MilpflowError, ValueError):
    """A model input could not be read or built; the message is meant for the person who supplied it."""


@dataclass
class LoadedModel:
    """A model ready to solve: the matrix always, the spec and its compilation when the input was a spec."""

    source: Path
    model: LinearModel
    spec: ModelSpec | None = None
    compiled: CompiledModel | None = None
    data_path: Path | None = None
    v2: CompiledV2 | None = None
    """The compilation of a language-v2 model (statements), with its priorities, row origins and notes."""


def load_input(
    path: str | Path,
    data_path: str | Path | None = None,
    options: CompileOptions | None = None,
) -> LoadedModel:
    """Read and build the model at `path`.

    Args:
        path: A ModelSpec ``.json`` file, a folder holding ``model.json`` (and optionally ``data.json``),
            or an ``.lp``/``.mps`` file.
        data_path: A data file for a spec whose parameters use ``data_key``; overrides a folder's ``data.json``.
        options: Compilation limits.

    Raises:
        InputError: for anything wrong with the input, with a message naming the file and the problem.
    """
    source = Path(path)
    if not source.exists():
        raise InputError(f"{source}: no such file or folder")
    if source.is_dir():
        spec_path = source / SPEC_FILE_NAME
        if not spec_path.is_file():
            raise InputError(f"{source}: the folder has no {SPEC_FILE_NAME}; a problem folder holds {SPEC_FILE_NAME} "
                             f"and optionally {DATA_FILE_NAME}")
        default_data = source / DATA_FILE_NAME
        data_file = Path(data_path) if data_path is not None else (default_data if default_data.is_file() else None)
        return _load_spec(spec_path, data_file, options, source)
    name = source.name.lower()
    if name.endswith(".json"):
        return _load_spec(source, Path(data_path) if data_path is not None else None, options, source)
    if name.endswith(_MODEL_FILE_SUFFIXES):
        if data_path is not None:
            raise InputError(f"{source}: --data applies to ModelSpec JSON only; LP and MPS files carry their data")
        from solvers.io import ModelFileError, read_model

        try:
            return LoadedModel(source=source, model=read_model(source))
        except ModelFileError as exc:
            raise InputError(str(exc)) from exc
    raise InputError(
        f"{source}: unknown model file type; use a ModelSpec .json, a folder with {SPEC_FILE_NAME}, .lp or .mps"
    )


def load_linear_model(path: str | Path, data_path: str | Path | None = None) -> LinearModel:
    """The `LinearModel` of any supported input (see `load_input`)."""
    return load_input(path, data_path).model


def _load_spec(
    spec_path: Path, data_file: Path | None, options: CompileOptions | None, source: Path
) -> LoadedModel:
    if _is_v2_file(spec_path):
        return _load_v2(spec_path, data_file, options, source)
    try:
        spec = load_spec(spec_path)
        data = load_data(data_file) if data_file is not None else None
        compiled = compile_spec(spec, data, options)
    except (SpecFileError, DataFileError) as exc:
        raise InputError(str(exc)) from exc
    except ModelBuildError as exc:
        hint = ""
        if data_file is None and any("not found; available entries: none" in e for e in exc.errors):
            hint = f"\n(hint: the spec reads a data file; pass --data PATH or put {DATA_FILE_NAME} beside it)"
        raise InputError(f"{spec_path}: {exc}{hint}") from exc
    return LoadedModel(source=source, model=compiled.model, spec=spec, compiled=compiled, data_path=data_file)


def _is_v2_file(path: Path) -> bool:
    """Whether `path` holds a language-v2 model (statements as strings); unreadable files go the v1 way, whose
    reader reports them."""
    import json

    from formulation.v2.spec import is_v2

    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return False
    return isinstance(raw, dict) and is_v2(raw)


def _load_v2(spec_path: Path, data_file: Path | None, options: CompileOptions | None, source: Path) -> LoadedModel:
    from formulation.v2.compiler import CompileOptionsV2, ModelBuildErrorV2, compile_v2
    from formulation.v2.spec import SpecV2FileError, load_spec_v2

    try:
        spec = load_spec_v2(spec_path)
        data = load_data(data_file) if data_file is not None else None
        limits = CompileOptionsV2(name=spec_path.parent.name if spec_path.name == SPEC_FILE_NAME else spec_path.stem,
                                  **({"max_iterations": options.max_iterations} if options is not None else {}))
        compiled = compile_v2(spec, data, limits)
    except (SpecFileError, SpecV2FileError, DataFileError) as exc:
        raise InputError(str(exc)) from exc
    except ModelBuildErrorV2 as exc:
        hint = "" if data_file is not None else f"\n(hint: pass --data PATH or put {DATA_FILE_NAME} beside the model)"
        raise InputError(f"{spec_path}: {exc}{hint}") from exc
    return LoadedModel(source=source, model=compiled.model, data_path=data_file, v2=compiled)
