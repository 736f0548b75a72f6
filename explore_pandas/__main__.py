"""``python -m explore_pandas``: the same as the ``explore-pandas`` command."""

import sys

from explore_pandas.cli.main import main

sys.exit(main())
