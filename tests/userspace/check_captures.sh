#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# The real captures of tests/data/pcaps through tpktctl inspect, compared
# with Zeek's COTP logs of the same files (see captures.py).
#
#   TPKTCTL=build/tpktctl bash tests/userspace/check_captures.sh
set -euo pipefail

TPKTCTL=${TPKTCTL:-build/tpktctl}
here=$(dirname "$0")
exec python3 "$here/captures.py" "$TPKTCTL" "$here/../data/pcaps"
