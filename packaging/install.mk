# Installation and DKMS: included by the top-level Makefile, which defines
# BUILD and KDIR.
#
#   make install         tpktctl, tpktctl(8), bash completion, the module for
#                        KVER (built before: make), the systemd units (the
#                        policy's, with its udev rule, and the events'
#                        monitor), and the example /etc files if absent
#   make install-tools   all of that but the module
#   make install-module  the module only, then depmod
#   make uninstall       remove what install installed; /etc files that
#                        differ from the examples are kept
#   make dkms-src        the DKMS source tree /usr/src/nf_tpkt-VERSION
#   make install-dkms    dkms-src, then dkms add, build and install for KVER
#   make uninstall-dkms  dkms remove (every kernel) and the source tree
#   make deb             the Debian packages nf-tpkt-dkms and tpktctl (debian/)
#                        in BUILD/deb
#
# DESTDIR and PREFIX (default /usr/local) as usual.  The module goes to
# /lib/modules/KVER/updates, where modprobe prefers it to any other copy,
# whatever PREFIX says; with DESTDIR set, depmod is left to the packager.
# SIGN_KEY and SIGN_CERT (a MOK's private key and certificate) sign the
# installed module for kernels that insist on signatures (Secure Boot).

# NF_TPKT_VERSION: from VERSION, by the top-level Makefile

PREFIX         ?= /usr/local
SBINDIR        ?= $(PREFIX)/sbin
MANDIR         ?= $(PREFIX)/share/man
BASHCOMPDIR    ?= $(PREFIX)/share/bash-completion/completions
# systemd and udev read /usr/local/lib as well as /usr/lib
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
UDEVRULESDIR   ?= $(PREFIX)/lib/udev/rules.d
SYSCONFDIR     ?= /etc
# the kernel of KDIR (/lib/modules/KVER/build), as kbuild-one names it
KVER           ?= $(notdir $(patsubst %/,%,$(dir $(KDIR))))
MODULEDIR      ?= /lib/modules/$(KVER)/updates
DKMS_SRC       ?= /usr/src/nf_tpkt-$(NF_TPKT_VERSION)
INSTALL        ?= install
DEPMOD         ?= depmod
DKMS           ?= dkms

PKG_KO  = $(BUILD)/kmod-$(KVER)/nf_tpkt.ko
PKG_SUB = sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	      -e 's|@VERSION@|$(NF_TPKT_VERSION)|g'
# what uninstall removes unconditionally (the /etc files are compared first)
PKG_FILES = $(SBINDIR)/tpktctl $(MANDIR)/man8/tpktctl.8 \
	    $(BASHCOMPDIR)/tpktctl $(SYSTEMDUNITDIR)/nf_tpkt.service \
	    $(SYSTEMDUNITDIR)/nf_tpkt-monitor.service \
	    $(UDEVRULESDIR)/60-nf_tpkt.rules
# installed path : example it starts as
PKG_ETC = $(SYSCONFDIR)/nf_tpkt.conf:packaging/nf_tpkt.conf \
	  $(SYSCONFDIR)/modprobe.d/nf_tpkt.conf:packaging/modprobe.conf
# a running systemd (not in a chroot, a container build or the VM suite)
PKG_SYSTEMD = $(if $(DESTDIR),,$(wildcard /run/systemd/system))

.PHONY: install install-tools install-module uninstall dkms-src \
	install-dkms uninstall-dkms

# Checked before anything is installed, so that a failed "make install"
# leaves nothing behind.
define pkg_check_module
	@test -n "$(KVER)" || { echo "install: no kernel version: give" \
		"KVER=<version> (or KDIR=/lib/modules/<version>/build)" >&2; exit 1; }
	@test -f $(PKG_KO) || { echo "install: $(PKG_KO) is not built:" \
		"run 'make modules KDIR=/lib/modules/$(KVER)/build' first," \
		"or 'make install-tools' to install everything but the module" >&2; \
		exit 1; }
	@test -z "$(SIGN_KEY)$(SIGN_CERT)" || { test -r "$(SIGN_KEY)" && \
		test -r "$(SIGN_CERT)" && \
		test -x /lib/modules/$(KVER)/build/scripts/sign-file; } || \
		{ echo "install: signing needs SIGN_KEY and SIGN_CERT (readable)" \
		"and /lib/modules/$(KVER)/build/scripts/sign-file" >&2; exit 1; }
endef

define pkg_install_tools
	$(INSTALL) -D -m 0755 $(BUILD)/tpktctl $(DESTDIR)$(SBINDIR)/tpktctl
	$(INSTALL) -D -m 0644 Documentation/tpktctl.8 \
		$(DESTDIR)$(MANDIR)/man8/tpktctl.8
	$(INSTALL) -D -m 0644 packaging/tpktctl.bash-completion \
		$(DESTDIR)$(BASHCOMPDIR)/tpktctl
	$(INSTALL) -d $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(UDEVRULESDIR)
	$(PKG_SUB) packaging/nf_tpkt.service.in \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/nf_tpkt.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/nf_tpkt.service
	$(PKG_SUB) packaging/nf_tpkt-monitor.service.in \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/nf_tpkt-monitor.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/nf_tpkt-monitor.service
	$(PKG_SUB) packaging/60-nf_tpkt.rules.in \
		>$(DESTDIR)$(UDEVRULESDIR)/60-nf_tpkt.rules
	chmod 0644 $(DESTDIR)$(UDEVRULESDIR)/60-nf_tpkt.rules
	@# the operator's configuration is never overwritten
	@for e in $(PKG_ETC); do f=$(DESTDIR)$${e%%:*}; \
		if [ -e "$$f" ]; then echo "install: keeping $$f"; \
		else echo "$(INSTALL) -D -m 0644 $${e#*:} $$f"; \
			$(INSTALL) -D -m 0644 $${e#*:} "$$f" || exit 1; fi; done
	$(if $(PKG_SYSTEMD),systemctl daemon-reload)
	$(if $(PKG_SYSTEMD),-udevadm control --reload)
endef

define pkg_install_module
	$(INSTALL) -D -m 0644 $(PKG_KO) $(DESTDIR)$(MODULEDIR)/nf_tpkt.ko
	$(if $(SIGN_KEY),/lib/modules/$(KVER)/build/scripts/sign-file \
		$$(sed -n 's/^CONFIG_MODULE_SIG_HASH="\(.*\)"/\1/p' \
		   /lib/modules/$(KVER)/build/.config | grep . || echo sha256) \
		$(SIGN_KEY) $(SIGN_CERT) $(DESTDIR)$(MODULEDIR)/nf_tpkt.ko)
	$(if $(DESTDIR),@echo "install: DESTDIR set: not running depmod",$(DEPMOD) -a $(KVER))
endef

install: $(BUILD)/tpktctl
	$(pkg_check_module)
	$(pkg_install_tools)
	$(pkg_install_module)

install-tools: $(BUILD)/tpktctl
	$(pkg_install_tools)

install-module:
	$(pkg_check_module)
	$(pkg_install_module)

uninstall:
	@# an enabled unit would leave its links behind
	$(if $(PKG_SYSTEMD),-systemctl disable nf_tpkt.service 2>/dev/null)
	$(if $(PKG_SYSTEMD),-systemctl disable nf_tpkt-monitor.service 2>/dev/null)
	rm -f $(addprefix $(DESTDIR),$(PKG_FILES))
	@for e in $(PKG_ETC); do f=$(DESTDIR)$${e%%:*}; \
		[ -e "$$f" ] || continue; \
		if cmp -s "$$f" $${e#*:}; then echo "rm -f $$f"; rm -f "$$f"; \
		else echo "uninstall: keeping $$f: it was edited"; fi; done
	@if [ -n "$(KVER)" ]; then \
		echo "rm -f $(DESTDIR)$(MODULEDIR)/nf_tpkt.ko"; \
		rm -f $(DESTDIR)$(MODULEDIR)/nf_tpkt.ko; \
		$(if $(DESTDIR),:,$(DEPMOD) -a $(KVER)); \
	else echo "uninstall: no kernel version: module left (give KVER=)" >&2; fi
	$(if $(PKG_SYSTEMD),systemctl daemon-reload)
	@if [ -z "$(DESTDIR)" ] && [ -d /sys/module/nf_tpkt ]; then \
		echo "uninstall: nf_tpkt is still loaded: rmmod nf_tpkt"; fi

# ---- DKMS ----------------------------------------------------------------

# The module's sources as Kbuild expects them: kmod/ next to include/.
define pkg_dkms_src
	rm -rf $(DESTDIR)$(DKMS_SRC)
	$(INSTALL) -d $(DESTDIR)$(DKMS_SRC)/kmod
	$(INSTALL) -m 0644 $(KMOD_FILES) $(DESTDIR)$(DKMS_SRC)/kmod/
	cp -R include $(DESTDIR)$(DKMS_SRC)/
	$(INSTALL) -m 0644 VERSION $(DESTDIR)$(DKMS_SRC)/
	$(PKG_SUB) packaging/dkms.conf.in >$(DESTDIR)$(DKMS_SRC)/dkms.conf
	chmod -R u=rwX,go=rX $(DESTDIR)$(DKMS_SRC)
endef

define pkg_no_destdir
	@test -z "$(DESTDIR)" || { echo "$@: DESTDIR is for dkms-src only" >&2; exit 1; }
endef

dkms-src:
	$(pkg_dkms_src)

# Again for the same version: what was added before is removed first, so
# that the new sources are the ones built.
install-dkms:
	$(pkg_no_destdir)
	@test -n "$(KVER)" || { echo "$@: give KVER=<version>" >&2; exit 1; }
	$(pkg_dkms_src)
	@if $(DKMS) status -m nf_tpkt -v $(NF_TPKT_VERSION) | grep -q .; then \
		echo "$(DKMS) remove nf_tpkt/$(NF_TPKT_VERSION) --all"; \
		$(DKMS) remove nf_tpkt/$(NF_TPKT_VERSION) --all >/dev/null; fi
	$(DKMS) add $(DKMS_SRC)
	$(DKMS) build nf_tpkt/$(NF_TPKT_VERSION) -k $(KVER)
	$(DKMS) install nf_tpkt/$(NF_TPKT_VERSION) -k $(KVER)

uninstall-dkms:
	$(pkg_no_destdir)
	@if $(DKMS) status -m nf_tpkt -v $(NF_TPKT_VERSION) | grep -q .; then \
		echo "$(DKMS) remove nf_tpkt/$(NF_TPKT_VERSION) --all"; \
		$(DKMS) remove nf_tpkt/$(NF_TPKT_VERSION) --all; fi
	rm -rf $(DKMS_SRC)

# ---- Debian packages -------------------------------------------------------

# make deb: the source package and the binary packages nf-tpkt-dkms and
# tpktctl (debian/), with their .buildinfo and .changes, in $(DEB_DIR).
# dpkg-buildpackage builds in a copy of the tree: it writes its results
# next to the tree it builds (so here into $(DEB_DIR), not the tree's
# parent directory), and the tree itself is neither touched nor left
# dirty.  The copy holds what git does not ignore, uncommitted changes
# included (build/ and the objects are ignored); it is cleaned by
# "debian/rules clean" after the build, must then hold the files it was
# made of, no more, and is removed.  No signature (-us -uc).  The make
# running this passes nothing down: its variables are not the package's.
DEB_DIR  ?= $(BUILD)/deb
DEB_TREE  = $(DEB_DIR)/nf-tpkt-$(NF_TPKT_VERSION)

.PHONY: deb

deb:
	@command -v dpkg-buildpackage >/dev/null && test -x /usr/bin/dh_dkms || \
		{ echo "deb: no dpkg-buildpackage or dh_dkms: run make deps-unit" >&2; exit 1; }
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_TREE)
	@set -o pipefail; { git ls-files -z -co --exclude-standard 2>/dev/null || \
		find . \( -path ./.git -o -path ./build \) -prune -o ! -type d -print0; } | \
		tar --null -T - --ignore-failed-read -cf - | tar -xf - -C $(DEB_TREE)
	@cd $(DEB_TREE) && find . ! -type d | LC_ALL=C sort >../tree-before
	cd $(DEB_TREE) && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS \
		dpkg-buildpackage -us -uc -Jauto --post-clean
	@cd $(DEB_TREE) && find . ! -type d | LC_ALL=C sort | \
		diff -u ../tree-before - || { echo "deb: debian/rules clean" \
		"left the tree other than it was (above)" >&2; exit 1; }
	rm -rf $(DEB_TREE) $(DEB_DIR)/tree-before
	@ls -1 $(DEB_DIR)
