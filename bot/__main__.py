"""`python -m bot` is `wxbot`."""

import sys

from bot.cli import main

sys.exit(main())
