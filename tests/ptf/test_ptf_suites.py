"""Runs the PTF suites (ptf/tests/*) the way `make ptf` does: a private
namespace with veths, p4sim with its P4Runtime server, ptf on the host ends.
Each suite is one pytest test so that CI reports it; ptf's own output names
the PTF test that failed."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

SUITES = {
    "smoke": (REPO / "p4src" / "examples" / "l2_table.p4", REPO / "ptf" / "tests" / "smoke"),
    "vtep_gateway": (REPO / "p4src" / "vtep_gateway.p4", REPO / "ptf" / "tests" / "vtep_gateway"),
}


@pytest.mark.parametrize("suite", sorted(SUITES))
def test_ptf_suite_on_p4sim(suite):
    program, test_dir = SUITES[suite]
    proc = subprocess.run([sys.executable, "-m", "bmv2.ptf_runner", "--target", "p4sim", "--program", str(program),
                           "--test-dir", str(test_dir), "--ports", "4"],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"PTF suite {suite} failed:\n{proc.stdout[-8000:]}\n{proc.stderr[-8000:]}"
