"""pytest fixtures: a fresh tern per test (see ternlib.py)."""
import pytest

from ternlib import Tern

ALICE = ("alice@example.test", "alice-secret-pw")
BOB = ("bob@example.test", "bob-secret-pw")


@pytest.fixture
def tern_factory(tmp_path):
    """Make (not start) servers; at the end every one is stopped with
    SIGTERM and the test fails on a bad exit or a sanitizer report."""
    made = []

    def make(name="t", **kw):
        d = tmp_path / name
        d.mkdir()
        t = Tern(d, **kw)
        made.append(t)
        return t
    yield make
    finish_all(made)


def finish_all(terns):
    """finish() every server (all of them, even after a failure); raise
    the first failure."""
    failure = None
    for t in terns:
        try:
            t.finish()
        except AssertionError as e:
            failure = failure or e
    if failure:
        raise failure


@pytest.fixture
def tern(tern_factory):
    """A running server for example.test with accounts alice and bob."""
    t = tern_factory()
    t.add_account(*ALICE)
    t.add_account(*BOB)
    t.start()
    return t
