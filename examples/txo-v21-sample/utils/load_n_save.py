"""
Load and save helpers for TXO scripts.

TxoDataHandler knows the standard directory layout (output/, tmp/, data/...)
and picks a file format from the data type and the filename extension.
"""

import csv
import io
import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

from utils.logger import get_logger

logger = get_logger(__name__)

KNOWN_DIRECTORIES = {"config", "data", "output", "tmp", "logs", "schemas", "files"}

try:  # Optional dependencies
    import pandas as pd
except ImportError:  # pragma: no cover
    pd = None

try:
    from openpyxl import Workbook
except ImportError:  # pragma: no cover
    Workbook = None


@dataclass
class ProcessingResult:
    """Outcome of a batch run, written to output/ at the end of a script."""

    successful: List[str] = field(default_factory=list)
    failed: List[Dict[str, Any]] = field(default_factory=list)
    skipped: List[str] = field(default_factory=list)
    total_time: float = 0.0
    started_at: str = field(default_factory=lambda: datetime.now().isoformat())

    def add_success(self, item_id: str) -> None:
        self.successful.append(item_id)

    def add_failure(self, item_id: str, error: str) -> None:
        self.failed.append({"id": item_id, "error": error})

    def summary(self) -> str:
        total = len(self.successful) + len(self.failed) + len(self.skipped)
        return (f"{len(self.successful)}/{total} succeeded, "
                f"{len(self.failed)} failed, {len(self.skipped)} skipped "
                f"in {self.total_time:.1f}s")


def get_path(directory: str, filename: str) -> Path:
    """Resolve a standard TXO directory and make sure it exists."""
    if directory not in KNOWN_DIRECTORIES:
        raise ValueError(f"Unknown directory '{directory}'. Use one of {sorted(KNOWN_DIRECTORIES)}")
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    return path / filename


class TxoDataHandler:
    """Save and load data in the TXO directory layout."""

    def __init__(self, encoding: str = "utf-8"):
        self.encoding = encoding

    def load_json(self, directory: str, filename: str) -> Any:
        path = get_path(directory, filename)
        with open(path, "r", encoding=self.encoding) as f:
            return json.load(f)

    def load_text(self, directory: str, filename: str) -> str:
        return get_path(directory, filename).read_text(encoding=self.encoding)

    def save(self, data: Any, directory: str, filename: str, **kwargs) -> Path:
        """
        Save data with automatic type detection.

        Supported:
            - pandas DataFrame -> .csv / .xlsx / .json
            - dict / list      -> .json (or .csv for a list of dicts)
            - str / bytes      -> any text or binary file
            - openpyxl Workbook -> .xlsx

        Keyword args:
            indent: JSON indentation (default 2)
            index: write DataFrame index (default False)
            sheet_name: Excel sheet name (default "Sheet1")
            add_timestamp: prefix filename with a UTC timestamp
        """
        if kwargs.get("add_timestamp", False):
            stamp = datetime.utcnow().strftime("%Y-%m-%dT%H%MZ")
            filename = f"{stamp}_{filename}"

        path = get_path(directory, filename)
        suffix = path.suffix.lower()
        start = time.perf_counter()

        # --- pandas DataFrame -------------------------------------------
        if pd is not None and isinstance(data, pd.DataFrame):
            index = kwargs.get("index", False)
            if suffix == ".csv":
                data.to_csv(path, index=index, encoding=self.encoding,
                            sep=kwargs.get("delimiter", ","))
            elif suffix in (".xlsx", ".xls"):
                data.to_excel(path, index=index,
                              sheet_name=kwargs.get("sheet_name", "Sheet1"))
            elif suffix == ".json":
                data.to_json(path, orient=kwargs.get("orient", "records"),
                             indent=kwargs.get("indent", 2), force_ascii=False)
            else:
                raise ValueError(f"Cannot save DataFrame as '{suffix}'")
            logger.info(f"Saved DataFrame ({len(data)} rows) to {path}")

        # --- openpyxl Workbook ------------------------------------------
        elif Workbook is not None and isinstance(data, Workbook):
            if suffix != ".xlsx":
                raise ValueError(f"Workbook must be saved as .xlsx, not '{suffix}'")
            data.save(path)
            logger.info(f"Saved workbook with {len(data.sheetnames)} sheet(s) to {path}")

        # --- dict / list ------------------------------------------------
        elif isinstance(data, (dict, list)):
            if suffix == ".csv":
                if not isinstance(data, list) or (data and not isinstance(data[0], dict)):
                    raise ValueError("CSV output needs a list of dicts")
                fieldnames: List[str] = []
                for row in data:
                    for key in row.keys():
                        if key not in fieldnames:
                            fieldnames.append(key)
                with open(path, "w", newline="", encoding=self.encoding) as f:
                    writer = csv.DictWriter(f, fieldnames=fieldnames,
                                            delimiter=kwargs.get("delimiter", ","))
                    writer.writeheader()
                    writer.writerows(data)
                logger.info(f"Saved {len(data)} rows to {path}")
            else:
                with open(path, "w", encoding=self.encoding) as f:
                    json.dump(data, f, indent=kwargs.get("indent", 2),
                              ensure_ascii=False, default=str)
                size = len(data)
                kind = "keys" if isinstance(data, dict) else "items"
                logger.info(f"Saved JSON ({size} {kind}) to {path}")

        # --- ProcessingResult -------------------------------------------
        elif isinstance(data, ProcessingResult):
            payload = {
                "summary": data.summary(),
                "successful": data.successful,
                "failed": data.failed,
                "skipped": data.skipped,
                "started_at": data.started_at,
                "total_time": data.total_time,
            }
            with open(path, "w", encoding=self.encoding) as f:
                json.dump(payload, f, indent=kwargs.get("indent", 2))
            logger.info(f"Saved processing result to {path}")

        # --- text -------------------------------------------------------
        elif isinstance(data, str):
            if suffix == ".json":
                # Validate before writing so we never produce broken JSON
                try:
                    json.loads(data)
                except json.JSONDecodeError as e:
                    raise ValueError(f"String is not valid JSON: {e}") from e
            path.write_text(data, encoding=self.encoding)
            logger.info(f"Saved text ({len(data)} chars) to {path}")

        # --- binary -----------------------------------------------------
        elif isinstance(data, (bytes, bytearray)):
            path.write_bytes(bytes(data))
            logger.info(f"Saved {len(data)} bytes to {path}")

        # --- file-like --------------------------------------------------
        elif isinstance(data, io.IOBase):
            content = data.read()
            mode = "wb" if isinstance(content, bytes) else "w"
            encoding = None if mode == "wb" else self.encoding
            with open(path, mode, encoding=encoding) as f:
                f.write(content)
            logger.info(f"Saved stream contents to {path}")

        else:
            raise TypeError(f"Unsupported data type: {type(data).__name__}")

        elapsed = time.perf_counter() - start
        logger.debug(f"save() took {elapsed:.3f}s")
        return path

    def save_with_timestamp(self, data: Any, directory: str, filename: str,
                            **kwargs) -> Path:
        """Shortcut for save(..., add_timestamp=True)."""
        return self.save(data, directory, filename, add_timestamp=True, **kwargs)


_data_handler: Optional[TxoDataHandler] = None


def get_data_handler() -> TxoDataHandler:
    """Return a shared TxoDataHandler."""
    global _data_handler
    if _data_handler is None:
        _data_handler = TxoDataHandler()
    return _data_handler


def save(data: Any, directory: str, filename: str, **kwargs) -> Union[Path, None]:
    """Module-level shortcut used by most scripts."""
    return get_data_handler().save(data, directory, filename, **kwargs)
