"""Entry point. The plotting modules are checked before anything else, so a
missing one is one line and exit status 2, with nothing written."""
import importlib
import logging
import sys

NEEDED = (("numpy", "python3-numpy"), ("scipy.stats", "python3-scipy"),
          ("matplotlib", "python3-matplotlib"))


def _check_modules() -> None:
    logging.getLogger("matplotlib").setLevel(logging.ERROR)
    for module, package in NEEDED:
        try:
            importlib.import_module(module)
        except Exception as e:  # ImportError, or a broken install raising anything else
            why = (str(e).strip().splitlines() or [""])[0]
            sys.stderr.write(
                f"report: Python module '{module}' cannot be imported by {sys.executable} "
                f"({type(e).__name__}: {why}); accepted: Debian's /usr/bin/python3 with "
                f"{package} installed (apt-get install {package})\n")
            sys.exit(2)


if __name__ == "__main__":
    if not any(a in ("-h", "--help") for a in sys.argv[1:]):
        _check_modules()
    from report.cli import main
    sys.exit(main(sys.argv[1:]))
