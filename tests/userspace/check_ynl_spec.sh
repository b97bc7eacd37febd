#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Documentation/netlink/specs/nf_tpkt.yaml against the kernel's schema and
# against the code (uapi header, kmod/names.c, kmod/netlink.c), with the
# kernel's own YNL tools from /opt/nf_tpkt-deps/ynl (scripts/deps.sh).
# See ynl_spec.py.  Debian's python3 on purpose: deps.sh installs
# python3-yaml and python3-jsonschema for it, whatever else is on PATH.
set -euo pipefail
here=$(dirname "$0")
exec /usr/bin/python3 "$here/ynl_spec.py" "$here/../.."
