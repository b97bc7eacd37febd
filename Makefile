SHELL := /bin/bash
# nf_tpkt top-level Makefile.
#
#   make              build tpktctl and the module for the default kernel
#   make check        everything CI runs: deps, unit tests, module builds
#   make check-unit   engine/CLI unit tests (ASan/UBSan) and a fuzz smoke run
#   make fuzz         build the libFuzzer harness (FUZZ_SECONDS to run it)
#   make modules      build nf_tpkt.ko (KDIR= to choose the kernel tree)
#   make demo         the field report, end to end, in a VM
#   make check-debug  the VM suite on a KASAN/KMEMLEAK/lockdep kernel
#   make bench        figures: engine, inspect, module in a VM
#   make bench-inspect tpktctl inspect on a generated capture
#                     (BENCH_INSPECT_MB, default 200)
#   make deps         install build and test dependencies (root)
#   make install      tpktctl, the module, systemd unit, examples (DESTDIR,
#                     PREFIX; see packaging/install.mk), make uninstall
#   make install-dkms the module through DKMS (make dkms-src: the tree only)
#   make deb          the Debian packages nf-tpkt-dkms and tpktctl in build/deb

BUILD      ?= build
CC         ?= cc
CLANG      ?= clang
CSTD       := -std=gnu11
WARN       := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
              -Wmissing-prototypes -Wno-unused-parameter \
              -Wno-missing-field-initializers
CPPFLAGS   += -Iinclude
CFLAGS     ?= -O2 -g
SAN        := -fsanitize=address,undefined -fno-sanitize-recover=all \
              -fno-omit-frame-pointer
FUZZ_SECONDS ?= 60
# The release, kept only in VERSION: tpktctl --version, the module's
# MODULE_VERSION, the DKMS package.
NF_TPKT_VERSION := $(shell cat VERSION)
CPPFLAGS   += -DNF_TPKT_VERSION='"$(NF_TPKT_VERSION)"'

ENGINE_SRC := kmod/engine.c
FEED_SRC   := tests/lib/feed.c
UNIT_TESTS := test_engine test_property

# Kernel trees: the running kernel's if present, else the newest installed.
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
          $(lastword $(sort $(wildcard /lib/modules/*/build))))
KDIRS_CHECK ?= $(sort $(wildcard /lib/modules/*/build))
# sparse over the module sources when it is installed (make deps does)
SPARSE ?= $(if $(shell command -v sparse),C=1)

.PHONY: all check check-unit unit-tests fuzz fuzz-run modules modules-all checkpatch \
        deps deps-unit demo clean bench bench-inspect check-vm check-vm-all vm-prereqs kbuild-one \
        check-debug dkms-all

all: modules

deps:
	scripts/deps.sh all

deps-unit:
	scripts/deps.sh unit

# ---- unit tests --------------------------------------------------------

$(BUILD)/unit/%: tests/unit/%.c $(ENGINE_SRC) $(FEED_SRC) \
		include/tpkt/*.h include/uapi/linux/nf_tpkt.h tests/lib/feed.h
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(CPPFLAGS) -Itests/lib $(CFLAGS) $(WARN) $(SAN) \
		-o $@ $< $(ENGINE_SRC) $(FEED_SRC) -lcmocka

unit-tests: $(addprefix $(BUILD)/unit/,$(UNIT_TESTS))

check-unit: deps-unit unit-tests fuzz checkpatch
	@set -e; for t in $(UNIT_TESTS); do \
		echo "== $$t"; \
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
			$(BUILD)/unit/$$t; \
	done
	$(MAKE) --no-print-directory fuzz-run FUZZ_SECONDS=$(FUZZ_SECONDS)

# ---- kernel style ---------------------------------------------------------

# The kernel's own checkpatch.pl (make deps keeps it with YNL) over the
# module's sources and the engine's header; any finding fails.  CAMELCASE
# would flag C11's _Static_assert; LINUX_VERSION_CODE, meant for code in
# the kernel's tree, is let be in compat.h, the one place that tests it.
CHECKPATCH ?= /opt/nf_tpkt-deps/ynl/scripts/checkpatch.pl
CHECKPATCH_COMPAT := kmod/compat.h
CHECKPATCH_FILES := $(filter-out $(CHECKPATCH_COMPAT),$(wildcard kmod/*.c kmod/*.h)) \
		    include/tpkt/engine.h include/tpkt/names.h
CHECKPATCH_RUN = perl $(CHECKPATCH) --strict --no-tree --terse --ignore CAMELCASE

checkpatch:
	@test -f $(CHECKPATCH) || { echo "no $(CHECKPATCH): run make deps" >&2; exit 1; }
	@out=$$({ $(CHECKPATCH_RUN) -f $(CHECKPATCH_FILES); \
		  $(CHECKPATCH_RUN),LINUX_VERSION_CODE -f $(CHECKPATCH_COMPAT); } | \
		grep -v ' 0 errors, 0 warnings, 0 checks'); \
	if [ -n "$$out" ]; then echo "$$out"; exit 1; fi; \
	echo "checkpatch --strict: $(words $(CHECKPATCH_FILES) $(CHECKPATCH_COMPAT)) files clean"

# ---- fuzzing -----------------------------------------------------------

$(BUILD)/fuzz/fuzz_engine: tests/fuzz/fuzz_engine.c $(ENGINE_SRC) $(FEED_SRC) \
		include/tpkt/*.h tests/lib/feed.h
	@mkdir -p $(dir $@)
	$(CLANG) $(CSTD) $(CPPFLAGS) -Itests/lib -O1 -g $(WARN) \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $@ $< $(ENGINE_SRC) $(FEED_SRC)

fuzz: $(BUILD)/fuzz/fuzz_engine

# Replays the committed corpus, then explores for FUZZ_SECONDS.
fuzz-run: $(BUILD)/fuzz/fuzz_engine
	@mkdir -p $(BUILD)/fuzz/corpus
	$(BUILD)/fuzz/fuzz_engine -max_total_time=$(FUZZ_SECONDS) \
		-print_final_stats=1 -max_len=8192 \
		$(BUILD)/fuzz/corpus tests/fuzz/corpus 2>&1 | \
		tee $(BUILD)/fuzz/last-run.log | grep -E '^(#[0-9]+.*(DONE|pulse)|stat::number_of_executed_units|==|SUMMARY|INFO: a corpus)' ; \
		test $${PIPESTATUS[0]} -eq 0

# ---- kernel module -----------------------------------------------------

KMOD_FILES := $(wildcard kmod/*.c kmod/*.h) kmod/Kbuild

# Each kernel gets its own build directory of links to kmod/, so builds for
# several kernels do not trample on each other's objects.
modules:
	@test -n "$(KDIR)" || { echo "no kernel build tree: run make deps" >&2; exit 1; }
	@$(MAKE) --no-print-directory kbuild-one KDIR=$(KDIR)

# Every kernel, each in turn whatever became of the one before; a line
# per kernel at the end, and a failure if any failed.
modules-all:
	@test -n "$(KDIRS_CHECK)" || { echo "no kernel build tree: run make deps" >&2; exit 1; }
	@failed=; sum=; for k in $(KDIRS_CHECK); do \
		kver=$$(basename $$(dirname $$k)); \
		if $(MAKE) --no-print-directory kbuild-one KDIR=$$k; then \
			sum="$$sum$$kver: ok ($$(scripts/kbuild.sh --where $$k))\n"; \
		else sum="$$sum$$kver: FAILED\n"; failed="$$failed $$kver"; fi; \
	done; \
	printf "== modules-all\n$$sum"; \
	if [ -n "$$failed" ]; then echo "nf_tpkt.ko failed for:$$failed" >&2; exit 1; fi

# KBUILD_KVER names a kernel tree that is not /lib/modules/KVER/build.
# scripts/kbuild.sh builds with the compiler the kernel's headers name:
# this machine's, or the one in the chroot the headers live in (make deps
# makes those).  Any warning fails, and so does a sparse that the kernel's
# Makefile finds too old and skips.
kbuild-one:
	@kver=$(or $(KBUILD_KVER),$$(basename $$(dirname $(KDIR)))); out=$(BUILD)/kmod-$$kver; \
	where=$$(scripts/kbuild.sh --where $(KDIR)) || exit 1; \
	mkdir -p $$out; for f in $(KMOD_FILES); do ln -sf $(CURDIR)/$$f $$out/; done; \
	echo "== nf_tpkt.ko for $$kver ($$where)"; \
	MAKE=$(MAKE) scripts/kbuild.sh --bind $(CURDIR) --bind $(abspath $(BUILD)) \
		$(KDIR) M=$(CURDIR)/$$out NF_TPKT_INC=$(CURDIR)/include \
		NF_TPKT_VERSION=$(NF_TPKT_VERSION) \
		W=1 $(SPARSE) modules 2>&1 | tee $$out/build.log; \
	test $${PIPESTATUS[0]} -eq 0 || exit 1; \
	if grep -E 'warning:|error:|not available or not up to date' $$out/build.log; then \
		echo "nf_tpkt: warnings building for $$kver" >&2; exit 1; fi

# ---- benchmarks ----------------------------------------------------------

$(BUILD)/bench/bench_engine: tests/bench/bench_engine.c $(ENGINE_SRC) \
		include/tpkt/*.h include/uapi/linux/nf_tpkt.h
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(CPPFLAGS) -O2 -g $(WARN) -o $@ $< $(ENGINE_SRC)

$(BUILD)/bench/gen_capture: tests/bench/gen_capture.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -O2 -g $(WARN) -o $@ $< -lpcap

# The capture of bench-inspect: its name carries size and seed, so one of
# the same size and seed is reused (make regenerates it when the generator
# changes); written aside and renamed, so an interrupted run leaves none.
BENCH_INSPECT_MB   ?= 200
BENCH_INSPECT_SEED ?= 1
BENCH_INSPECT_CAP  := $(BUILD)/bench/inspect-$(BENCH_INSPECT_MB)MB-seed$(BENCH_INSPECT_SEED).pcap

$(BENCH_INSPECT_CAP): $(BUILD)/bench/gen_capture
	$< $@.tmp $(BENCH_INSPECT_MB) $(BENCH_INSPECT_SEED)
	mv $@.tmp $@

# tpktctl inspect against cat (the read limit) and tshark on that capture;
# tpktctl is the release build (CFLAGS -O2 -g unless overridden).  After
# bench_engine, which rewrites results.json: this merges into it.
bench-inspect: $(BUILD)/tpktctl $(BENCH_INSPECT_CAP)
	tests/bench/inspect.sh $(BUILD)/tpktctl $(BENCH_INSPECT_CAP) $(BUILD)/bench/results.json

# Figures, not tests: see Documentation/performance.rst.  The kernel part
# runs on Debian 12's kernel (the first one booted by the VM suite).
BENCH_KVER ?= $(or $(VM_PRIMARY),$(firstword $(VM_KVERS)))

bench: $(BUILD)/bench/bench_engine
	$(BUILD)/bench/bench_engine $(BUILD)/bench/results.json
	$(MAKE) --no-print-directory bench-inspect
	$(MAKE) --no-print-directory vm-prereqs
	$(MAKE) --no-print-directory kbuild-one KDIR=/lib/modules/$(BENCH_KVER)/build >/dev/null
	tests/bench/kernel.sh $(BENCH_KVER)
	@echo "results: $(BUILD)/bench/results.json"

# ---- parts with their own make fragments -------------------------------

-include userspace/build.mk
-include tests/peers/build.mk
-include tests/snap7/build.mk
-include packaging/install.mk
-include tests/netlink/build.mk

# ---- VM suite ------------------------------------------------------------

# Kernels with both an image to boot and headers to build against.
VM_KVERS ?= $(foreach k,$(KDIRS_CHECK),$(if $(wildcard /boot/vmlinuz-$(notdir $(patsubst %/build,%,$(k)))),$(notdir $(patsubst %/build,%,$(k)))))

vm-prereqs: tpktctl peers nl-hostile

# the suite's dkms test installs the Debian packages
check-vm: vm-prereqs deb
	@test -n "$(KVER)" || { echo "usage: make check-vm KVER=<version> (one of: $(VM_KVERS))" >&2; exit 2; }
	@$(MAKE) --no-print-directory kbuild-one KDIR=/lib/modules/$(KVER)/build
	tests/vm/run.sh $(KVER) $(VM_TESTS)

# Tiers keep make check within its time on 2 cores under emulation
# ("Supported kernels" in Documentation/nf_tpkt.rst): the whole suite on Debian 12's own kernel
# (VM_PRIMARY, the one linux-image-amd64 installs), all but VM_LATER_EXCEPT
# on the newest (VM_NEWEST), and VM_TIER_TESTS on the others: the data path
# and the control plane where kernels differ (netfilter hooks, GSO, TCP,
# genetlink, namespaces, unloading; journal: nlctrl's notices of a family
# unloaded and loaded again).  dkms installs the Debian packages (make
# deb) in the guest, whose DKMS compiles the module there, 2 to 3 minutes
# under TCG; the host builds it with DKMS for every kernel (dkms-all).
# VM_TESTS=... runs those tests on every kernel; make check-vm KVER=... the
# whole suite on one.
VM_PRIMARY ?= $(filter $(VM_KVERS),$(shell dpkg-query -W -f '$${Depends}' linux-image-amd64 2>/dev/null | \
		sed -n 's/^linux-image-\([^ ,]*\).*/\1/p'))
VM_NEWEST ?= $(lastword $(shell printf '%s\n' $(VM_KVERS) | sort -V))
VM_ORDER = $(VM_PRIMARY) $(filter-out $(VM_PRIMARY),$(VM_NEWEST)) \
	    $(filter-out $(VM_PRIMARY) $(VM_NEWEST),$(VM_KVERS))
VM_LATER_EXCEPT ?= dkms
VM_TIER_TESTS ?= tools not_loaded field_report_off field_report_monitor \
	field_report_normalize field_report_enforce segmentation_offloads_on \
	segmentation_offloads_off netem snap7_normalize snap7_enforce \
	adversary_urgent hostile_garbage flood_cap flood_fail_open \
	flood_fail_closed concurrency unprivileged unload_under_traffic journal \
	mirror_sees_wire

# DKMS's own build of the module for every kernel, natively, with the
# dkms of each kernel's suite (tests/dkms/check_all.sh)
dkms-all:
	tests/dkms/check_all.sh $(BUILD) $(VM_KVERS)

check-vm-all: vm-prereqs modules-all dkms-all deb
	@test -n "$(VM_KVERS)" || { echo "no kernel to boot: run make deps" >&2; exit 1; }
	@rm -f $(BUILD)/vm-result-*; failed=; results=; \
	for k in $(VM_ORDER); do \
		if [ -n "$(VM_TESTS)" ]; then set=given; args="$(VM_TESTS)"; \
		elif [ "$$k" = "$(VM_PRIMARY)" ]; then set=all; args=; \
		elif [ "$$k" = "$(VM_NEWEST)" ]; then set=all-but-$(VM_LATER_EXCEPT); \
			args="$(if $(VM_LATER_EXCEPT),--except $(VM_LATER_EXCEPT))"; \
		else set=tier; args="$(VM_TIER_TESTS)"; fi; \
		VM_SET=$$set tests/vm/run.sh $$k $$args || failed="$$failed $$k"; \
		results="$$results $(BUILD)/vm-result-$$k"; done; \
	echo; tests/vm/summary.sh $$results; \
	if [ -n "$$failed" ]; then echo "VM suite failed on:$$failed" >&2; exit 1; fi

# The whole VM suite on a KASAN/KMEMLEAK/lockdep kernel built from Debian's
# linux-source-6.1 (cached under /opt: 15 minutes on 2 cores the first time).
# Not part of make check: the suite takes 73 minutes there, 5.6 times longer.
check-debug: vm-prereqs deb
	scripts/deps.sh debug
	@set -e; tree=$$(scripts/debug-kernel.sh); \
	kver=$$(cat $$tree/include/config/kernel.release); \
	$(MAKE) --no-print-directory kbuild-one KDIR=$$tree KBUILD_KVER=$$kver; \
	VM_MEMORY=3G VM_TIMEOUT=7200 tests/vm/run.sh $$tree $(VM_TESTS)

# ---- everything --------------------------------------------------------

check: deps
	$(MAKE) --no-print-directory check-unit
	$(MAKE) --no-print-directory check-vm-all
	@echo "make check: all passed"

DEMO_KVER ?= $(or $(VM_PRIMARY),$(firstword $(VM_KVERS)))

demo: deps
	$(MAKE) --no-print-directory vm-prereqs
	$(MAKE) --no-print-directory kbuild-one KDIR=/lib/modules/$(DEMO_KVER)/build >/dev/null
	tests/vm/demo.sh $(DEMO_KVER)

clean:
	rm -rf $(BUILD)
