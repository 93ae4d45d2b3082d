"""The respondent's side in a real headless Chromium: keyboard only, in
Swedish and Nynorsk, on a phone-sized window, with JavaScript off, a reload
mid-survey, and axe-core on each page (tests/browser/respond.mjs)."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import TOP, Server, run, test  # noqa: E402
from respondent import fixture, open_link  # noqa: E402


@test
def test_respondent_flow_in_chromium():
    rid = fixture()
    link = open_link(rid)
    with Server() as s:
        r = subprocess.run(["node", os.path.join(TOP, "tests/browser/respond.mjs"),
                            f"http://127.0.0.1:{s.port}", link],
                           capture_output=True, text=True, timeout=600)
        if r.returncode != 0 or os.environ.get("MG_VERBOSE"):
            print(r.stdout, r.stderr)
        assert r.returncode == 0, r.stdout.strip().splitlines()[-1] if r.stdout else r.stderr


if __name__ == "__main__":
    run()
