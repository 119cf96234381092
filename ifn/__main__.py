"""``python -m ifn``: command line."""

import sys

from ifn.cli import main

sys.exit(main())
