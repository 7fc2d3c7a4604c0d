"""Progress on stderr: the modes PULIH_PROGRESS chooses, the plain lines' wording, and that a
short command in a pipe (CI) writes nothing at all."""

import io

import pytest

from shared.progress import Progress, ProgressError, choice


class Pipe(io.StringIO):
    def isatty(self):
        return False


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_lines_forced_every_update_and_a_last_line():
    out = Pipe()
    shown = Progress("pulih events export", 3000, out=out,
                     env={"PULIH_PROGRESS": "lines", "PULIH_PROGRESS_SECONDS": "0"})
    for seq in (1000, 2000, 2999):
        shown.to(seq)
    shown.done()
    lines = out.getvalue().splitlines()
    assert [line.split(",")[0] for line in lines] == [
        "pulih events export: 1", "pulih events export: 2", "pulih events export: 2",
        "pulih events export: 3"]
    assert lines[0].startswith("pulih events export: 1,000/3,000 events (33%)")
    assert lines[-1].startswith("pulih events export: 3,000/3,000 events (100%), ")
    assert lines[-1].endswith(" s") and "done in" in lines[-1]
    assert "\r" not in out.getvalue() and "\x1b" not in out.getvalue()


def test_auto_in_a_pipe_writes_nothing_for_a_short_command():
    out = Pipe()
    shown = Progress("pulih replay", 50, out=out, env={})
    shown.to(25)
    shown.done()
    assert shown.mode == "lines" and out.getvalue() == ""


def test_auto_on_a_terminal_draws_a_bar_to_the_end():
    out = Terminal()
    shown = Progress("pulih audit verify", 400, out=out, env={"PULIH_PROGRESS_SECONDS": "0"})
    shown.to(100)
    shown.done()
    assert shown.mode == "bar"
    assert "pulih audit verify" in out.getvalue() and "400/400" in out.getvalue()


def test_off_writes_nothing_and_bytes_are_counted_through():
    out = Pipe()
    shown = Progress("x", 10, "B", out=out, env={"PULIH_PROGRESS": "off"})
    assert list(shown.through([b"abc\n", b"de\n"])) == [b"abc\n", b"de\n"]
    assert shown.position == 7
    shown.done()
    assert out.getvalue() == ""


def test_a_byte_count_reads_in_mebibytes():
    shown = Progress("pulih audit verify log.jsonl", 3 * 2**20, "B", out=Pipe(),
                     env={"PULIH_PROGRESS": "off"})
    shown.position = 2**20
    assert shown.line(2.0) == "pulih audit verify log.jsonl: 1.0/3.0 MiB (33%), 0.5 MiB/s"


@pytest.mark.parametrize("env, named", [
    ({"PULIH_PROGRESS": "fancy"}, "PULIH_PROGRESS must be one of auto, bar, lines, off"),
    ({"PULIH_PROGRESS_SECONDS": "-1"}, "PULIH_PROGRESS_SECONDS must be a number"),
    ({"PULIH_PROGRESS_SECONDS": "soon"}, "PULIH_PROGRESS_SECONDS must be a number"),
])
def test_a_bad_choice_is_named(env, named):
    with pytest.raises(ProgressError, match=named):
        choice(env)


def test_the_default_is_auto_every_ten_seconds():
    assert choice({}) == ("auto", 10.0, False)
    assert choice({"PULIH_PROGRESS": "lines", "PULIH_PROGRESS_SECONDS": "2.5"}) == (
        "lines", 2.5, True)
