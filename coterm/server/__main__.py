"""`python -m coterm.server`: run the resident evaluator in the foreground (spawn() detaches it)."""

from __future__ import annotations

import sys

from coterm.server.daemon import run
from coterm.server.layout import layout

if __name__ == "__main__":
    sys.exit(run(layout()))
