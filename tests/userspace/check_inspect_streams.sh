#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# tpktctl inspect on truncated captures, slow pipes, ring buffers, snaplen,
# filters and a million events (see inspect_streams.py).  Memory is
# measured on the release build: ASan's shadow memory would hide it.
#
#   TPKTCTL=build/tpktctl bash tests/userspace/check_inspect_streams.sh
set -euo pipefail

TPKTCTL=${TPKTCTL:-build/tpktctl}
TPKTCTL_RELEASE=${TPKTCTL_RELEASE:-build/tpktctl}
here=$(dirname "$0")
exec python3 "$here/inspect_streams.py" "$TPKTCTL" "$TPKTCTL_RELEASE"
