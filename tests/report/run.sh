#!/usr/bin/env bash
# The report package's tests (pytest), with Debian's interpreter: the pyenv
# python3 on PATH cannot import matplotlib. Needs python3-pytest,
# python3-matplotlib, python3-numpy, python3-scipy and chromium.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec /usr/bin/python3 -m pytest -q -p no:cacheprovider "${@:-tests/report}"
