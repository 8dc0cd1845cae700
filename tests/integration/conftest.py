"""pytest fixtures: a fresh tern per test (see ternlib.py)."""
import pytest

from ternlib import Tern

ALICE = ("alice@example.test", "alice-secret-pw")
BOB = ("bob@example.test", "bob-secret-pw")


@pytest.fixture
def tern_factory(tmp_path):
    """Make (not start) servers; every one is stopped at the end."""
    made = []

    def make(name="t", **kw):
        d = tmp_path / name
        d.mkdir()
        t = Tern(d, **kw)
        made.append(t)
        return t
    yield make
    for t in made:
        if t.proc is not None:
            t.kill()


@pytest.fixture
def tern(tern_factory):
    """A running server for example.test with accounts alice and bob."""
    t = tern_factory()
    t.add_account(*ALICE)
    t.add_account(*BOB)
    t.start()
    return t
