"""`python -m voice` is the same as `cramp-coach`."""

import sys

from voice.cli.main import main

sys.exit(main())
