"""Entry point: python3 -m report render|compare ... (see report/cli.py)."""
import sys

from report.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
