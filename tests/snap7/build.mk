# tests/snap7: third-party S7 peers (included by the top-level Makefile).
#
#   make check-s7   loopback self-tests on 127.0.0.1, no module and no VM:
#                   snap7's client against snap7's server (selftest.sh),
#                   nodes7 against snap7's server (nodes7_selftest.sh)
#
# node-snap7 and nodes7 live in /opt/nf_tpkt-deps (scripts/deps.sh s7,
# which "all" includes); the VM suite runs the same scripts through the
# gateway (snap7_* in tests/vm/suite.sh, nodes7_* in suite.d/35-nodes7.sh).

.PHONY: check-s7 deps-s7

deps-s7:
	scripts/deps.sh s7

check-s7: deps-s7
	tests/snap7/selftest.sh
	tests/snap7/nodes7_selftest.sh

check-unit: check-s7
