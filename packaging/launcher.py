"""Entry script of the desktop bundle: the same `main()` as the `culler` console script."""

import multiprocessing
import sys

from culler.__main__ import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a frozen app must not re-run main() in worker processes
    sys.exit(main())
