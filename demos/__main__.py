"""python -m demos: the same command line as `blameflow` (see demos/cli.py)."""

from demos.cli import main

raise SystemExit(main())
