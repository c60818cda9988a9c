"""`python -m delivery` is the `certpost` command."""

import sys

from delivery.cli import main

sys.exit(main())
