"""TxoDataHandler: save/load round trips in the TXO directory layout."""

import csv
import io
import json
import re

import pytest

from utils.load_n_save import ProcessingResult, TxoDataHandler, get_path, save


@pytest.fixture
def handler(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return TxoDataHandler()


def test_dicts_round_trip_through_json(handler):
    data = {"customer": "Åsa", "items": [1, 2]}

    path = handler.save(data, "output", "customer.json")

    assert path.as_posix() == "output/customer.json"
    assert handler.load_json("output", "customer.json") == data


def test_a_list_of_dicts_becomes_csv_with_every_column(handler):
    rows = [{"id": "1", "name": "a"}, {"id": "2", "email": "b@example.com"}]

    path = handler.save(rows, "output", "rows.csv")

    with open(path, newline="", encoding="utf-8") as f:
        read = list(csv.DictReader(f))
    assert read == [{"id": "1", "name": "a", "email": ""},
                    {"id": "2", "name": "", "email": "b@example.com"}]


def test_csv_needs_a_list_of_dicts(handler):
    with pytest.raises(ValueError, match="list of dicts"):
        handler.save(["a", "b"], "output", "rows.csv")


def test_text_bytes_and_streams_are_written_as_they_are(handler):
    handler.save("line 1\nline 2\n", "tmp", "notes.txt")
    handler.save(b"\x00\x01", "tmp", "blob.bin")
    handler.save(io.StringIO("streamed"), "tmp", "stream.txt")

    assert handler.load_text("tmp", "notes.txt") == "line 1\nline 2\n"
    assert get_path("tmp", "blob.bin").read_bytes() == b"\x00\x01"
    assert handler.load_text("tmp", "stream.txt") == "streamed"


def test_a_json_string_is_checked_before_it_is_written(handler):
    with pytest.raises(ValueError, match="not valid JSON"):
        handler.save("{broken", "output", "bad.json")
    assert not get_path("output", "bad.json").exists()


def test_a_processing_result_is_saved_with_its_summary(handler):
    result = ProcessingResult()
    result.add_success("C1")
    result.add_failure("C2", "blocked")
    result.total_time = 1.25

    path = handler.save(result, "output", "result.json")

    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["summary"] == "1/2 succeeded, 1 failed, 0 skipped in 1.2s"
    assert saved["failed"] == [{"id": "C2", "error": "blocked"}]


def test_processing_results_do_not_share_their_lists():
    first, second = ProcessingResult(), ProcessingResult()
    first.add_success("C1")

    assert second.successful == []


def test_add_timestamp_prefixes_the_file_name(handler):
    path = handler.save({"a": 1}, "output", "snap.json", add_timestamp=True)

    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d{4}Z_snap\.json", path.name)
    assert handler.save_with_timestamp([], "output", "x.json").name.endswith("_x.json")


def test_unknown_directories_and_types_are_refused(handler):
    with pytest.raises(ValueError, match="Unknown directory 'home'"):
        handler.save({}, "home", "x.json")
    with pytest.raises(TypeError, match="Unsupported data type: object"):
        handler.save(object(), "output", "x.json")


def test_the_module_level_save_shortcut(handler):
    path = save({"k": "v"}, "data", "shortcut.json", indent=None)

    assert path.read_text(encoding="utf-8") == '{"k": "v"}'
