# tests/peers: nf_tpkt's own RFC 1006 test peer (included by the top-level
# Makefile, which defines BUILD, CC, CSTD, WARN, CFLAGS and SAN).
#
#   make peers        build $(BUILD)/tpkt_peer and tpkt_synflood (libc only;
#                     the VM suite uses them)
#   make check-peers  loopback self-test on 127.0.0.1 and ::1, no module and
#                     no VM, of that build and of an ASan/UBSan build

PEER_SRC := tests/peers/tpkt_peer.c

.PHONY: peers check-peers

$(BUILD)/tpkt_peer: $(PEER_SRC) tests/peers/build.mk
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(CFLAGS) $(WARN) -o $@ $(PEER_SRC)

$(BUILD)/peers/tpkt_peer-san: $(PEER_SRC) tests/peers/build.mk
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(CFLAGS) $(WARN) $(SAN) -o $@ $(PEER_SRC)

# SYN generator for the flow-table flood test and benchmark (raw sockets)
$(BUILD)/tpkt_synflood: tests/peers/tpkt_synflood.c tests/peers/build.mk
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(CFLAGS) $(WARN) -o $@ $<

peers: $(BUILD)/tpkt_peer $(BUILD)/tpkt_synflood

check-peers: $(BUILD)/tpkt_peer $(BUILD)/peers/tpkt_peer-san
	tests/peers/selftest.sh $(BUILD)/tpkt_peer
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		tests/peers/selftest.sh $(BUILD)/peers/tpkt_peer-san

check-unit: check-peers
