"""``python -m sandbox.emulator run FILE [--seed N]`` / ``validate FILE``."""

import sys

from .cli import main

sys.exit(main())
