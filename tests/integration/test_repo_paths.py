"""Scripts name no path of one machine: bench/ finds the comparison
servers (ANCHORS) next to the repository, from where the script is."""
import glob
import os

from ternlib import REPO


def test_bench_scripts_anchor_path_is_relative():
    scripts = sorted(glob.glob(os.path.join(REPO, "bench", "*.sh")))
    assert scripts
    for path in scripts:
        text = open(path).read()
        assert "/work/" not in text, path
        if "ANCHORS" in text:
            assert 'ANCHORS=${ANCHORS:-$HERE/../../shared/anchors}' in text, path
