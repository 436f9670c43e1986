"""`python3 -m demo`: the end-to-end scenario (demo/scenario.py)."""

import sys

from demo.scenario import main

sys.exit(main())
