# tpktctl and its tests: included by the top-level Makefile, which defines
# BUILD, CC, CSTD, WARN, CPPFLAGS, CFLAGS, SAN and ENGINE_SRC.
#
#   make tpktctl          $(BUILD)/tpktctl
#   make check-userspace  cmocka tests (ASan/UBSan) and capture checks

# Libraries: inspect needs libpcap and json-c, monitor's journal output
# (userspace/journal.c) libsystemd; the netlink verbs (userspace/nl.c)
# add libnl-genl-3.0.  The tests link only the offline part and so do
# without libnl.
TEST_PKGS       := libpcap json-c libsystemd
TPKTCTL_PKGS    := $(TEST_PKGS) \
		   $(if $(wildcard userspace/nl.c),libnl-genl-3.0)
TPKTCTL_PKG_CFLAGS = $(shell pkg-config --cflags $(TPKTCTL_PKGS))
TPKTCTL_PKG_LIBS   = $(shell pkg-config --libs $(TPKTCTL_PKGS))
TEST_PKG_CFLAGS    = $(shell pkg-config --cflags $(TEST_PKGS))
TEST_PKG_LIBS      = $(shell pkg-config --libs $(TEST_PKGS))

USERSPACE_SRC   := $(wildcard userspace/*.c)
# The engine and the name tables are the module's own sources.
TPKTCTL_KSRC    := $(ENGINE_SRC) kmod/names.c
USERSPACE_HDR   := $(wildcard userspace/*.h) include/tpkt/*.h \
		   include/uapi/linux/nf_tpkt.h
# What the tests link: everything but main() (and the netlink parts).
USERSPACE_LIB   := userspace/names.c userspace/policy_words.c \
		   userspace/policy_print.c userspace/pcap_io.c \
		   userspace/defrag.c userspace/inspect.c userspace/util.c \
		   userspace/prometheus.c userspace/event.c \
		   userspace/journal.c
USERSPACE_TESTS := $(patsubst tests/userspace/%.c,%, \
		     $(wildcard tests/userspace/test_*.c))
USERSPACE_CHECKS := $(wildcard tests/userspace/check_*.sh)

TPKTCTL_BUILD = $(CC) $(CSTD) $(CPPFLAGS) $(TPKTCTL_PKG_CFLAGS) $(CFLAGS) \
		$(WARN)

.PHONY: tpktctl check-userspace userspace-tests

all: tpktctl
check-unit: check-userspace

tpktctl: $(BUILD)/tpktctl

$(BUILD)/tpktctl: $(USERSPACE_SRC) $(TPKTCTL_KSRC) $(USERSPACE_HDR) VERSION
	@mkdir -p $(dir $@)
	$(TPKTCTL_BUILD) $(LDFLAGS) -o $@ $(USERSPACE_SRC) $(TPKTCTL_KSRC) \
		$(TPKTCTL_PKG_LIBS)

$(BUILD)/tpktctl-asan: $(USERSPACE_SRC) $(TPKTCTL_KSRC) $(USERSPACE_HDR)
	@mkdir -p $(dir $@)
	$(TPKTCTL_BUILD) $(SAN) -o $@ $(USERSPACE_SRC) $(TPKTCTL_KSRC) \
		$(TPKTCTL_PKG_LIBS)

# Static pattern: these names must not clash with tests/unit/.
USERSPACE_TEST_BINS := $(addprefix $(BUILD)/unit/,$(USERSPACE_TESTS))

$(USERSPACE_TEST_BINS): $(BUILD)/unit/%: tests/userspace/%.c \
		$(USERSPACE_LIB) $(TPKTCTL_KSRC) $(USERSPACE_HDR) \
		$(wildcard tests/userspace/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(CPPFLAGS) -Iuserspace -Itests/userspace \
		$(TEST_PKG_CFLAGS) $(CFLAGS) $(WARN) $(SAN) -o $@ $< \
		$(USERSPACE_LIB) $(TPKTCTL_KSRC) $(TEST_PKG_LIBS) -lcmocka

userspace-tests: $(USERSPACE_TEST_BINS) $(BUILD)/tpktctl-asan $(BUILD)/tpktctl

# Run from the top directory with leak checking on.  The shell checks
# drive the ASan build of tpktctl (tshark, python3, tests/data/pcaps).
check-userspace: userspace-tests
	@set -e; for t in $(USERSPACE_TESTS); do \
		echo "== $$t"; \
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
			TPKTCTL=$(BUILD)/tpktctl-asan $(BUILD)/unit/$$t; \
	done
	@set -e; for s in $(USERSPACE_CHECKS); do \
		echo "== $$s"; \
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
			TPKTCTL=$(BUILD)/tpktctl-asan bash $$s; \
	done
