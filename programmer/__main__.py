import sys

from programmer.cli import main

sys.exit(main())
