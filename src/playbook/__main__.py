"""`python -m playbook` runs the command line."""

import sys

from playbook.cli import main

sys.exit(main())
