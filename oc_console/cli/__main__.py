"""`python -m oc_console.cli`: the same as the `oc-console` command."""

import sys

from oc_console.cli.main import main

sys.exit(main())
