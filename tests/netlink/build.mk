# tests/netlink: the generic netlink family against hostile requests
# (included by the top-level Makefile, which defines BUILD, CC, CSTD,
# CPPFLAGS, CFLAGS and WARN).
#
#   make nl-hostile   build $(BUILD)/nl_hostile (libc only); the VM suite
#                     runs it against the module (tests/vm/suite.d/30-netlink.sh)

NL_HOSTILE_SRC := tests/netlink/nl_hostile.c

.PHONY: nl-hostile

$(BUILD)/nl_hostile: $(NL_HOSTILE_SRC) include/uapi/linux/nf_tpkt.h \
		tests/netlink/build.mk
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ $(NL_HOSTILE_SRC)

nl-hostile: $(BUILD)/nl_hostile
