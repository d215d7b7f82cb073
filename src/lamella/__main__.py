"""``python -m lamella`` is the ``lamella`` command (used to start child processes)."""

import sys

from lamella.cli import main

sys.exit(main())
