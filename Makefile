# svc: build, test, install. `make help` lists the targets.

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
SBINDIR = $(PREFIX)/sbin
LIBEXECDIR = $(PREFIX)/libexec/svc
MANDIR = $(PREFIX)/share/man
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(or $(shell pkg-config --variable=completionsdir bash-completion 2>/dev/null),$(PREFIX)/share/bash-completion/completions)
# The version is written in one place, debian/changelog's first line.
VERSION := $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog 2>/dev/null)

CC ?= gcc
O ?= build
SANITIZE ?=

WARNINGS = -Wall -Wextra -Werror -Wshadow -Wundef -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wimplicit-fallthrough -Wwrite-strings -fno-common
CFLAGS ?= -O2 -g
BASE_CFLAGS = -std=gnu17 $(WARNINGS) -fstack-protector-strong -D_GNU_SOURCE -I. \
	-DLIBEXECDIR='"$(LIBEXECDIR)"'
BASE_LDFLAGS = -Wl,-z,relro,-z,now
ifneq ($(SANITIZE),)
BASE_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
BASE_LDFLAGS += -fsanitize=address,undefined
endif

pc = $(shell pkg-config --cflags --libs $(1) 2>/dev/null)
pc_cflags = $(shell pkg-config --cflags $(1) 2>/dev/null)
# libsystemd, linked statically where `make deps` built it from Debian's source without the
# journal's compression and crypto libraries (contrib/libsystemd.sh; saves every svc command ~4 ms
# of loading six libraries and svcd their pages); otherwise the system's shared one.
LIBSYSTEMD_DIR ?= $(or $(SVC_LIBSYSTEMD),/var/cache/svc/libsystemd)/current
SD_OBJ := $(wildcard $(LIBSYSTEMD_DIR)/sd.o)
ifneq ($(SD_OBJ),)
LIBS_SYSTEMD = $(SD_OBJ) -pthread
SD_CFLAGS = -I$(LIBSYSTEMD_DIR)/include
else
LIBS_SYSTEMD = $(call pc,libsystemd)
SD_CFLAGS = $(call pc_cflags,libsystemd)
endif
LIBS_INIH = $(call pc,inih)
LIBS_CAP = $(call pc,libcap)
LIBS_ELF = $(call pc,libelf)
LIBS_SECCOMP = $(call pc,libseccomp)
LIBS_ARCHIVE = $(call pc,libarchive)
LIBS_CRYPTO = $(call pc,libcrypto)
LIBS_JSON = $(call pc,json-c)
LIBS_YAML = $(call pc,yaml-0.1)
# libnftables is not linked: svcd loads it when the first service publishes a port (net.c).
LIBS_MNL = $(call pc,libmnl)

ALL_CFLAGS = $(BASE_CFLAGS) $(CFLAGS) $(SD_CFLAGS) $(call pc_cflags,inih libcap libarchive json-c)
ALL_LDFLAGS = $(BASE_LDFLAGS) $(LDFLAGS)

COMMON_SRC := $(wildcard common/*.c)
UNITS_SRC := $(wildcard units/*.c)
# ns-init is a program of its own (static, executed from a sealed memfd); the seccomp generator
# runs at build time. Neither is part of the sandbox library that svcd and svc link.
NSINIT_SRC := sandbox/nsinit.c sandbox/launch.c sandbox/seccomp.c
# svc-seccomp compiles a service's own filter: libseccomp lives in this helper only, not in svcd.
SECCOMP_SRC := sandbox/seccomp-unit.c $(wildcard supervisor/seccomp/*.c)
SANDBOX_SRC := $(filter-out sandbox/nsinit.c sandbox/seccomp-gen.c $(SECCOMP_SRC),$(wildcard sandbox/*.c))
# One folder per program under supervisor/ (README.md, "Map").
# supervisor/spec/: the pure part of a unit -> its sandbox spec, shared by svcd and svc-export.
SPEC_SRC := $(wildcard supervisor/spec/*.c)
SVCD_SRC := $(wildcard supervisor/svcd/*.c supervisor/svcd/net/*.c) $(SPEC_SRC)
# svc, the front end, links libc alone: `run` and `logs` here, everything else in svc-ctl.
SVC_SRC := supervisor/cli/svc.c supervisor/cli/client-run.c supervisor/cli/client-logs.c supervisor/cli/client-tty.c \
	$(filter-out sandbox/elfcheck.c,$(SANDBOX_SRC)) $(COMMON_SRC) units/name.c
SVCCTL_SRC := supervisor/cli/svc-ctl.c $(wildcard supervisor/cli/client-*.c)
# svc tree: libarchive and json-c live in this tool only.
SVCTREE_SRC := $(wildcard supervisor/tree/*.c)
# svc export: json-c and libarchive here too, never in svc or svcd.
SVCEXPORT_SRC := $(wildcard supervisor/export/*.c) $(SPEC_SRC) supervisor/tree/tree-sha256.c supervisor/tree/tree-quote.c

obj = $(patsubst %.c,$(O)/obj/%.o,$(1))
COMMON_OBJ := $(call obj,$(COMMON_SRC))
UNITS_OBJ := $(call obj,$(UNITS_SRC))
SANDBOX_OBJ := $(call obj,$(SANDBOX_SRC))
SVCD_OBJ := $(call obj,$(SVCD_SRC))
SVC_OBJ := $(call obj,$(SVC_SRC))
SVCCTL_OBJ := $(call obj,$(SVCCTL_SRC))
SVCTREE_OBJ := $(call obj,$(SVCTREE_SRC))
SVCEXPORT_OBJ := $(call obj,$(SVCEXPORT_SRC))

BINARIES := $(O)/svcd $(O)/svc $(O)/svc-ctl $(O)/svc-seccomp $(O)/ns-init $(if $(SVCTREE_SRC),$(O)/svc-tree) $(O)/svc-export

UNIT_TESTS := $(patsubst tests/unit/%.c,$(O)/tests/%,$(wildcard tests/unit/test-*.c))

.PHONY: all
all: $(BINARIES) man

$(O)/obj/%.o: %.c | $(O)/gen/seccomp-bpf.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -I$(O)/gen -MMD -MP -c $< -o $@

# The seccomp filter, compiled once by libseccomp at build time into a BPF program.
$(O)/seccomp-gen: sandbox/seccomp-gen.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu17 $(WARNINGS) -D_GNU_SOURCE -I. -O2 $< -o $@ $(LIBS_SECCOMP)
$(O)/gen/seccomp-bpf.h: $(O)/seccomp-gen
	@mkdir -p $(dir $@)
	$< >$@.tmp && mv $@.tmp $@
# The same policy as the OCI runtime spec's rules, for svc export.
$(O)/gen/seccomp-oci.h: $(O)/seccomp-gen
	@mkdir -p $(dir $@)
	$< --oci >$@.tmp && mv $@.tmp $@
$(O)/obj/supervisor/export/export-bundle.o: $(O)/gen/seccomp-oci.h

# ns-init: static, no sanitizer (it runs as PID 1 of each sandbox), musl when available. musl's
# include path has no kernel UAPI headers: a private directory gives it linux/, asm/ and
# asm-generic/ (libc-independent), and nothing of glibc's.
NSINIT_CC ?= $(shell command -v musl-gcc 2>/dev/null || echo $(CC))
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
NSINIT_CFLAGS = -std=gnu17 $(WARNINGS) -D_GNU_SOURCE -I. -I$(O)/gen -isystem $(O)/nsinit-include -Os -g \
	-fstack-protector-strong -ffunction-sections -fdata-sections -DSVC_NSINIT
$(O)/nsinit-include/.stamp:
	@mkdir -p $(dir $@)
	ln -sfn /usr/include/linux $(dir $@)linux
	ln -sfn /usr/include/asm-generic $(dir $@)asm-generic
	ln -sfn $(firstword $(wildcard /usr/include/$(MULTIARCH)/asm /usr/include/asm)) $(dir $@)asm
	@touch $@
$(O)/ns-init: $(NSINIT_SRC) $(O)/gen/seccomp-bpf.h $(O)/nsinit-include/.stamp $(wildcard sandbox/*.h common/*.h)
	$(NSINIT_CC) $(NSINIT_CFLAGS) -static -Wl,--gc-sections $(NSINIT_SRC) -o $@
# Embedded stripped: its debug information (two thirds of the file) would be copied into every
# memfd for nothing; $(O)/ns-init keeps it for gdb.
$(O)/obj/nsinit-blob.o: $(O)/ns-init
	@mkdir -p $(dir $@)
	strip -o $(O)/gen/ns-init.stripped $(O)/ns-init
	printf '.section .rodata\n.balign 64\n.global svc_nsinit_start\nsvc_nsinit_start:\n.incbin "%s"\n.global svc_nsinit_end\nsvc_nsinit_end:\n.section .note.GNU-stack,"",@progbits\n' \
		"$(abspath $(O)/gen/ns-init.stripped)" >$(O)/gen/nsinit-blob.S
	$(CC) -c $(O)/gen/nsinit-blob.S -o $@

# inih, libcap and libelf (with zlib) are linked statically too where Debian ships their archives:
# svcd then maps libc and libmnl alone (and libnftables once a port is published).
ARCHIVE_LIBS = -linih -lcap -lelf -lz
ifneq ($(SD_OBJ),)
STATIC_LIBS = -Wl,--gc-sections -Wl,-Bstatic $(ARCHIVE_LIBS) -Wl,-Bdynamic
else
STATIC_LIBS = $(LIBS_INIH) $(LIBS_CAP) $(LIBS_ELF)
endif
$(O)/svcd: $(SVCD_OBJ) $(UNITS_OBJ) $(SANDBOX_OBJ) $(COMMON_OBJ) $(O)/obj/nsinit-blob.o $(SD_OBJ)
	$(CC) $(ALL_LDFLAGS) $(filter-out $(SD_OBJ),$^) -o $@ $(LIBS_SYSTEMD) $(STATIC_LIBS) $(LIBS_MNL) -ldl -lpthread

# svc: static with musl where the build has it (like ns-init), never for a sanitizer build. A
# dynamically linked glibc program spends ~0.6 ms in ld.so before main here; `svc run` is a start
# path, and every other command pays it once more in svc-ctl.
ifeq ($(SANITIZE)$(NSINIT_CC),$(shell command -v musl-gcc 2>/dev/null))
SVC_MUSL_OBJ := $(patsubst %.c,$(O)/musl-obj/%.o,$(SVC_SRC))
$(O)/musl-obj/%.o: %.c $(O)/gen/seccomp-bpf.h $(O)/nsinit-include/.stamp
	@mkdir -p $(dir $@)
	$(NSINIT_CC) -std=gnu17 $(WARNINGS) -D_GNU_SOURCE -I. -I$(O)/gen -isystem $(O)/nsinit-include \
		-DLIBEXECDIR='"$(LIBEXECDIR)"' -O2 -g -fstack-protector-strong -ffunction-sections \
		-fdata-sections -MMD -MP -c $< -o $@
-include $(SVC_MUSL_OBJ:.o=.d)
$(O)/svc: $(SVC_MUSL_OBJ) $(O)/obj/nsinit-blob.o
	$(NSINIT_CC) -static -Wl,--gc-sections,-z,relro,-z,now $^ -o $@
else
$(O)/svc: $(SVC_OBJ) $(O)/obj/nsinit-blob.o
	$(CC) $(ALL_LDFLAGS) $^ -o $@
endif

# svc-ctl, every command but run and logs: static as a whole with that libsystemd (it resolves no
# user names, so glibc's NSS is not missed), never for a sanitizer build.
ifeq ($(if $(SD_OBJ),$(SANITIZE),no),)
SVCCTL_LIBS = -static -Wl,--gc-sections $(LIBS_SYSTEMD) $(ARCHIVE_LIBS)
else
SVCCTL_LIBS = $(LIBS_SYSTEMD) $(STATIC_LIBS)
endif
$(O)/svc-ctl: $(SVCCTL_OBJ) $(UNITS_OBJ) $(SANDBOX_OBJ) $(COMMON_OBJ) $(O)/obj/nsinit-blob.o $(SD_OBJ)
	$(CC) $(ALL_LDFLAGS) $(filter-out $(SD_OBJ),$^) -o $@ $(SVCCTL_LIBS)

$(O)/svc-seccomp: $(call obj,$(SECCOMP_SRC)) $(UNITS_OBJ) $(COMMON_OBJ)
	$(CC) $(ALL_LDFLAGS) $^ -o $@ $(LIBS_SECCOMP) $(LIBS_INIH) $(LIBS_CAP)

$(O)/svc-tree: $(SVCTREE_OBJ) $(UNITS_OBJ) $(SANDBOX_OBJ) $(COMMON_OBJ) $(O)/obj/nsinit-blob.o
	$(CC) $(ALL_LDFLAGS) $^ -o $@ $(LIBS_ARCHIVE) $(LIBS_CRYPTO) $(LIBS_JSON) $(LIBS_INIH) $(LIBS_CAP) $(LIBS_ELF)

$(O)/svc-export: $(SVCEXPORT_OBJ) $(UNITS_OBJ) $(SANDBOX_OBJ) $(COMMON_OBJ) $(O)/obj/nsinit-blob.o
	$(CC) $(ALL_LDFLAGS) $^ -o $@ $(LIBS_ARCHIVE) $(LIBS_CRYPTO) $(LIBS_JSON) $(LIBS_YAML) $(LIBS_INIH) $(LIBS_CAP) $(LIBS_ELF)

# svc --version.
$(O)/gen/version.h: debian/changelog
	@mkdir -p $(dir $@)
	printf '#define SVC_VERSION "%s"\n' '$(VERSION)' >$@.tmp && mv $@.tmp $@
$(O)/obj/supervisor/cli/svc.o $(O)/musl-obj/supervisor/cli/svc.o: $(O)/gen/version.h

# Manual pages (man/, plain man(7)). The key part of svc.unit(5) is written by keys-man from the
# key table and units/README.md, so it cannot drift from the parser.
MAN_PAGES := $(O)/man/svc.1 $(O)/man/svc-tree.1 $(O)/man/svcd.8 $(O)/man/svc.unit.5
.PHONY: man
man: $(MAN_PAGES)
$(O)/man/%: man/% debian/changelog
	@mkdir -p $(dir $@)
	sed 's/@VERSION@/$(VERSION)/' $< >$@
$(O)/keys-man: man/keys-man.c $(UNITS_OBJ) $(COMMON_OBJ)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $^ -o $@ $(LIBS_INIH) $(LIBS_CAP) $(LIBS_ELF) -lm
$(O)/man/svc.unit.5: man/svc.unit.5.in units/README.md $(O)/keys-man debian/changelog
	@mkdir -p $(dir $@)
	$(O)/keys-man man/svc.unit.5.in units/README.md >$@.tmp
	sed -i 's/@VERSION@/$(VERSION)/' $@.tmp && mv $@.tmp $@

# The demo's library in two versions with one soname, and a program using it. Never sanitized:
# they run inside trees that have no sanitizer runtime.
DEMO_ARTIFACTS := $(O)/demo/v1/libsvcdemo.so.1 $(O)/demo/v2/libsvcdemo.so.1 $(O)/demo/svcdemo
$(O)/demo/v%/libsvcdemo.so.1: contrib/demo/libsvcdemo.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu17 $(WARNINGS) -O2 -fPIC -shared -Wl,-soname,libsvcdemo.so.1 -DSVCDEMO_VERSION='"$*.0"' $< -o $@
$(O)/demo/svcdemo: contrib/demo/svcdemo.c $(O)/demo/v1/libsvcdemo.so.1
	$(CC) -std=gnu17 $(WARNINGS) -Wno-missing-prototypes -O2 $< -o $@ -L$(O)/demo/v1 -l:libsvcdemo.so.1
.PHONY: demo-artifacts
demo-artifacts: $(DEMO_ARTIFACTS) $(O)/tests/sandbox-probe $(O)/tests/hardening-probe
# Runs inside sandboxes in the integration tests: not sanitized either.
$(O)/tests/sandbox-probe: tests/helpers/sandbox-probe.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu17 $(WARNINGS) -Wno-missing-prototypes -O2 $< -o $@
$(O)/tests/hardening-probe: tests/helpers/hardening-probe.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu17 $(WARNINGS) -O2 $< -o $@

# Unit tests: tests/unit/test-MODULE.c links the objects of MODULE.
TEST_LIBS = $(call pc,cmocka) $(LIBS_INIH) $(LIBS_CAP) $(LIBS_ELF) -lm
$(O)/tests/test-units: tests/unit/test-units.c $(UNITS_OBJ) $(COMMON_OBJ)
$(O)/tests/test-conditions: tests/unit/test-conditions.c $(UNITS_OBJ) $(COMMON_OBJ)
$(O)/tests/test-timers: tests/unit/test-timers.c $(UNITS_OBJ) $(COMMON_OBJ)
$(O)/tests/test-sockets: tests/unit/test-sockets.c $(UNITS_OBJ) $(COMMON_OBJ)
$(O)/tests/test-calendar: tests/unit/test-calendar.c $(O)/obj/units/calendar.o $(COMMON_OBJ)
# The job engine with a fake executor (the test defines service.c's functions and stubs the rest).
$(O)/tests/test-manager: tests/unit/test-manager.c $(O)/obj/supervisor/svcd/manager.o $(O)/obj/supervisor/svcd/deps.o \
	$(O)/obj/supervisor/svcd/alerts.o $(O)/obj/supervisor/svcd/record.o $(O)/obj/supervisor/svcd/reaper.o \
	$(O)/obj/supervisor/svcd/state.o $(O)/obj/supervisor/svcd/log.o $(O)/obj/supervisor/svcd/timers.o \
	$(O)/obj/supervisor/svcd/socket-units.o $(O)/obj/sandbox/creds.o $(UNITS_OBJ) $(COMMON_OBJ)
$(O)/tests/test-manager: TEST_LIBS += $(LIBS_SYSTEMD)
$(O)/tests/test-hardening: tests/unit/test-hardening.c $(UNITS_OBJ) $(COMMON_OBJ)
$(O)/tests/test-nft: tests/unit/test-nft.c $(O)/obj/supervisor/svcd/net/ruleset.o $(COMMON_OBJ)
# supervisor/spec/, with the sandbox library for svc's default capabilities.
$(O)/tests/test-spec: tests/unit/test-spec.c $(O)/obj/supervisor/spec/spec.o $(UNITS_OBJ) $(SANDBOX_OBJ) $(COMMON_OBJ) \
	$(O)/obj/nsinit-blob.o
$(O)/tests/test-spare: tests/unit/test-spare.c $(SANDBOX_OBJ) $(COMMON_OBJ) $(O)/obj/nsinit-blob.o
$(O)/tests/test-state: tests/unit/test-state.c $(O)/obj/supervisor/svcd/state.o $(COMMON_OBJ)
$(O)/tests/test-elfcheck: tests/unit/test-elfcheck.c $(O)/obj/sandbox/elfcheck.o $(O)/obj/sandbox/check.o \
	$(O)/obj/sandbox/creds.o $(COMMON_OBJ)
$(O)/tests/test-seccomp: tests/unit/test-seccomp.c $(O)/obj/sandbox/seccomp.o $(COMMON_OBJ)
$(O)/tests/test-creds: tests/unit/test-creds.c $(O)/obj/sandbox/creds.o $(COMMON_OBJ)
$(O)/tests/test-tmpfiles: tests/unit/test-tmpfiles.c $(O)/obj/supervisor/svcd/tmpfiles.o $(O)/obj/sandbox/creds.o $(COMMON_OBJ)
# The mount sequence against the fake syscalls of the test (no sys.o).
$(O)/tests/test-mounts: tests/unit/test-mounts.c $(O)/obj/sandbox/mounts.o $(COMMON_OBJ)
$(O)/tests/test-tree-extract: tests/unit/test-tree-extract.c $(O)/obj/supervisor/tree/tree-extract.o $(COMMON_OBJ)
$(O)/tests/test-tree-extract: TEST_LIBS += $(LIBS_ARCHIVE)
$(O)/tests/test-tree-sha256: tests/unit/test-tree-sha256.c $(O)/obj/supervisor/tree/tree-sha256.o $(COMMON_OBJ)
$(O)/tests/test-tree-sha256: TEST_LIBS += $(LIBS_CRYPTO)
$(O)/tests/test-pin: tests/unit/test-pin.c $(COMMON_OBJ)
$(O)/tests/test-tree-quote: tests/unit/test-tree-quote.c $(O)/obj/supervisor/tree/tree-quote.o $(UNITS_OBJ) $(COMMON_OBJ)
$(O)/tests/test-%:
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -I$(O)/gen $(ALL_LDFLAGS) $(filter %.c %.o,$^) -o $@ $(TEST_LIBS)

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)

# ---------------------------------------------------------------------------------------------
# The two commands of the README, and what they need.

DEBIAN_PACKAGES = build-essential pkg-config libsystemd-dev libcap-dev libinih-dev libcmocka-dev \
	clang clang-tidy clang-format cppcheck busybox-static curl iproute2 util-linux procps psmisc \
	python3 systemd libelf-dev libseccomp-dev musl-tools libarchive-dev libjson-c-dev \
	libmnl-dev libnftables-dev nftables libssl-dev dpkg-dev openssl qemu-system-x86 cpio xz-utils shellcheck \
	crun podman catatonit nodejs 'npm|npm' libyaml-dev meson gperf python3-jinja2 libmount-dev \
	$(MIGRATE_PACKAGES) \
	$(DEBOOTSTRAP_TRIXIE)
# svc migrate reads VM disks with them (qemu-storage-daemon comes with qemu-system-x86); the
# test images are made with them, mkfs.btrfs, cryptsetup and mkntfs.
MIGRATE_PACKAGES = qemu-utils fdisk lvm2 xfsprogs btrfs-progs cryptsetup-bin ntfs-3g
# The demo's trixie tree: Debian 12's debootstrap before +deb12u2 pulls usr-is-merged, which
# trixie dropped (#1091649), and its keyring before +deb12u2 has no trixie keys: upgraded if older.
DEBOOTSTRAP_TRIXIE = 'debootstrap>=1.0.128+nmu2+deb12u2' 'debian-archive-keyring>=2023.3+deb12u2'

.PHONY: deps
deps:
	@contrib/deps.sh $(DEBIAN_PACKAGES) $(DEB_PACKAGES)
	@contrib/libsystemd.sh
	@contrib/fetch-debs.sh $(TREE_DEBS)
# Debian packages that go into library trees (the ftp example of units/examples/ on the small
# trees of contrib/demo-trees.sh, which test-net and the box run), never onto the host.
TREE_DEBS = vsftpd libwrap0

# What only the tests need: the Debian trees of the `svc tree` tests and of the real daemons
# (made by the svc just built, with `svc tree create`), built once and cached.
.PHONY: test-deps
test-deps: deps all demo-deps
	@contrib/test-trees.sh
	@contrib/test-daemon-tree.sh $(O)
	@contrib/box/fetch-kernel.sh
	@contrib/test-migrate-images.sh
	@contrib/unit-corpus.sh
	@contrib/kube-schema.sh

# The demo's three Debian trees (bullseye, trixie, bookworm, made by `svc tree create`), built
# once with progress on the terminal and cached under $SVC_DEMO_TREES (/var/cache/svc/demo-trees).
.PHONY: demo-deps demo
demo-deps: deps all
	@contrib/demo-releases.sh $(O)
demo: demo-deps
	contrib/demo.sh $(O)

# Every integration test runs on the ASan/UBSan build; on the normal build, the files that drive
# what only it has: the static musl `svc` (svc run, svc logs, its terminal), as users run it.
# The box boots the normal build's binaries, and check-deb installs them.
CHECK_NORMAL_BUILD := demo logs sandbox packaging hostile-input
.PHONY: check
# The builds use every core (a serial `make check` left one of two idle for minutes). The box
# boots its scenarios one at a time on one core while the integration tests, which mostly wait,
# run beside it; one boot of its timing scenario checks it here (`BOX_BOOTS=5 tests/box/run.sh
# build timing` measures).
CHECK_JOBS ?= $(shell nproc)
# Integration files run two at a time: their tests mostly wait for daemons (tests/integration/run.sh).
CHECK_INTEGRATION_JOBS ?= 2
check: test-deps
	$(MAKE) -j$(CHECK_JOBS) O=build/asan SANITIZE=1 all unit-tests demo-artifacts
	$(MAKE) -j$(CHECK_JOBS) O=build all demo-artifacts
	tests/run-unit.sh build/asan
	$(MAKE) -j$(CHECK_JOBS) fuzz-targets
	tests/fuzz/run.sh runs=$(FUZZ_CHECK_RUNS) $(FUZZ_TARGETS)
	BOX_BOOTS=1 BOX_JOBS=1 tests/box/run.sh build >build/box-check.log 2>&1 & box=$$!; \
		INTEGRATION_JOBS=$(CHECK_INTEGRATION_JOBS) tests/integration/run.sh build/asan; rc=$$?; \
		wait $$box; brc=$$?; cat build/box-check.log; [ $$rc = 0 ] && [ $$brc = 0 ]
	for f in $(CHECK_NORMAL_BUILD); do tests/integration/run.sh build test-$$f || exit 1; done
	$(MAKE) O=build check-deb
.PHONY: unit-tests
unit-tests: $(UNIT_TESTS)

# The first run of every cache-filling script, against caches that do not exist (a warm cache
# once hid a first `make check` that failed). Talks to Debian's archive: CI runs it, check does not.
.PHONY: check-fresh-deps
check-fresh-deps: deps all
	tests/fresh-deps.sh $(O)

# Fuzz targets (libFuzzer, clang): tests/fuzz/fuzz-NAME.c with the sources it links. `make fuzz`
# runs each for FUZZ_SECONDS; `make check` runs each on FUZZ_CHECK_RUNS inputs from a fixed seed.
FUZZ_CC ?= clang
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu17 -D_GNU_SOURCE -I. -I$(O)/gen
FUZZ_SECONDS ?= 300
FUZZ_CHECK_RUNS ?= 3000
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(wildcard tests/fuzz/fuzz-*.c))
build/fuzz/fuzz-elfcheck: tests/fuzz/fuzz-elfcheck.c sandbox/elfcheck.c sandbox/check.c sandbox/creds.c $(COMMON_SRC)
build/fuzz/fuzz-elfcheck: FUZZ_LIBS = $(LIBS_ELF)
build/fuzz/fuzz-tree-extract: tests/fuzz/fuzz-tree-extract.c supervisor/tree/tree-extract.c $(COMMON_SRC)
build/fuzz/fuzz-tree-extract: FUZZ_LIBS = $(LIBS_ARCHIVE)
build/fuzz/fuzz-units: tests/fuzz/fuzz-units.c $(UNITS_SRC) $(COMMON_SRC)
build/fuzz/fuzz-units: FUZZ_LIBS = $(LIBS_INIH) $(LIBS_CAP)
# svc import-kube: a manifest from elsewhere into a unit file.
build/fuzz/fuzz-import-kube: tests/fuzz/fuzz-import-kube.c supervisor/export/import-kube.c supervisor/export/import-yaml.c \
	supervisor/export/export-json.c supervisor/tree/tree-quote.c $(UNITS_SRC) $(COMMON_SRC)
build/fuzz/fuzz-import-kube: FUZZ_LIBS = $(LIBS_JSON) $(LIBS_YAML) $(LIBS_INIH) $(LIBS_CAP)
build/fuzz/fuzz-syslog: tests/fuzz/fuzz-syslog.c supervisor/svcd/syslog-line.c
build/fuzz/fuzz-notify: tests/fuzz/fuzz-notify.c supervisor/svcd/notify-parse.c
# The control socket: svcd's manager and control server whole, without svcd.c (its main()).
build/fuzz/fuzz-control: tests/fuzz/fuzz-control.c $(filter-out supervisor/svcd/svcd.c,$(SVCD_SRC)) \
	$(UNITS_SRC) $(SANDBOX_SRC) $(COMMON_SRC) $(O)/obj/nsinit-blob.o | $(O)/gen/seccomp-bpf.h
build/fuzz/fuzz-control: FUZZ_LIBS = $(LIBS_SYSTEMD) $(LIBS_INIH) $(LIBS_CAP) $(LIBS_ELF) $(LIBS_MNL) -ldl -lpthread
build/fuzz/fuzz-%: $(wildcard */*.h */*/*.h */*/*/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -DLIBEXECDIR='"$(LIBEXECDIR)"' $(call pc_cflags,inih libarchive) \
		$(filter %.c %.o,$^) -o $@ $(FUZZ_LIBS)
.PHONY: fuzz fuzz-targets
fuzz-targets: $(FUZZ_TARGETS)
fuzz: fuzz-targets
	tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

.PHONY: lint
lint: $(O)/gen/seccomp-bpf.h $(O)/gen/seccomp-oci.h $(O)/gen/version.h
	clang-format --dry-run --Werror $(wildcard common/*.[ch] units/*.[ch] sandbox/*.[ch] supervisor/*/*.[ch] supervisor/*/*/*.[ch] tests/unit/*.c)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
		--suppress=missingIncludeSystem -D_GNU_SOURCE -I. common units sandbox supervisor
	clang-tidy --quiet $(wildcard common/*.c units/*.c sandbox/*.c supervisor/*/*.c supervisor/*/*/*.c) -- \
		$(BASE_CFLAGS) -I$(O)/gen $(SD_CFLAGS) $(call pc_cflags,inih libcap)
	shellcheck -S warning $(SHELL_SCRIPTS)
	contrib/include-graph.sh --check
	contrib/function-length.sh
SHELL_SCRIPTS = $(shell git ls-files '*.sh' .ci/run 2>/dev/null || find contrib tests -name '*.sh')

.PHONY: install
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR)
	install -m 0755 $(O)/svc $(DESTDIR)$(BINDIR)/svc
	install -m 0755 $(O)/svcd $(DESTDIR)$(SBINDIR)/svcd
	install -m 0755 $(O)/svc-ctl $(DESTDIR)$(LIBEXECDIR)/svc-ctl
	install -m 0755 $(O)/svc-seccomp $(DESTDIR)$(LIBEXECDIR)/svc-seccomp
	if [ -e $(O)/svc-tree ]; then install -m 0755 $(O)/svc-tree $(DESTDIR)$(LIBEXECDIR)/svc-tree; fi
	install -m 0755 $(O)/svc-export $(DESTDIR)$(LIBEXECDIR)/svc-export
	install -d $(DESTDIR)$(PREFIX)/share/svc/examples $(DESTDIR)$(PREFIX)/share/doc/svc
	install -m 0644 units/examples/*.unit $(DESTDIR)$(PREFIX)/share/svc/examples/
	install -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/svc/README.md
	install -m 0644 units/README.md $(DESTDIR)$(PREFIX)/share/doc/svc/unit-files.md
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 0644 $(O)/man/svc.1 $(O)/man/svc-tree.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(O)/man/svc.unit.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(O)/man/svcd.8 $(DESTDIR)$(MANDIR)/man8/
	install -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 0644 contrib/completion/svc.bash $(DESTDIR)$(BASHCOMPDIR)/svc
	sed -e 's|^ExecStart=.*|ExecStart=$(SBINDIR)/svcd|' \
		-e 's|^Documentation=.*|Documentation=man:svcd(8) man:svc(1)|' \
		contrib/svcd.service >$(DESTDIR)$(SYSTEMDUNITDIR)/svcd.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/svcd.service

# The Debian package, svc_VERSION_ARCH.deb here, built by dpkg-buildpackage in a copy of the
# sources under $(O)/deb (the clone stays clean). check-deb installs it into a throw-away root
# and runs lintian: slow (it builds everything again), so make check does not run it.
DEB_PACKAGES = debhelper devscripts lintian fakeroot dpkg-dev
DEB := svc_$(VERSION)_$(shell dpkg --print-architecture 2>/dev/null).deb
.PHONY: deb check-deb
deb:
	@contrib/deps.sh $(DEB_PACKAGES)
	contrib/deb.sh $(O)/deb $(VERSION)
	cp $(O)/deb/$(DEB) $(DEB)
check-deb: deb
	SVC_DEB=$(abspath $(DEB)) SVC_DEB_CHANGES=$(abspath $(O)/deb/$(DEB:.deb=.changes)) \
		tests/integration/run.sh $(O) packaging deb

# Benchmarks (tests/bench): svc side by side with what users would pick instead.
.PHONY: bench
bench: all demo-artifacts
	contrib/deps.sh $(BENCH_PACKAGES)
	contrib/test-daemon-tree.sh $(O)
	tests/bench/run.sh $(O)
BENCH_PACKAGES = bubblewrap crun s6 runit hyperfine gnuplot-nox podman docker.io wrk

# The small box: svcd as PID 1 of a Debian kernel under qemu (contrib/box).
.PHONY: box box-run
box: $(O)/svcd $(O)/svc $(O)/svc-ctl demo-artifacts
	contrib/box/build.sh $(O)
box-run: box
	contrib/box/run.sh $(O)

.PHONY: clean
clean:
	rm -rf build

.PHONY: help
help:
	@echo "make            build build/svcd, build/svc and helpers"
	@echo "make deps       install the Debian packages the build, tests and demo need"
	@echo "make demo       nginx, postfix + dovecot and vsftpd from three Debian releases under svcd, in the foreground"
	@echo "make check      unit and integration tests under ASan/UBSan"
	@echo "make lint       clang-format, cppcheck, clang-tidy, shellcheck, the daemon's layers"
	@echo "make fuzz       every fuzz target for FUZZ_SECONDS=$(FUZZ_SECONDS) seconds"
	@echo "make install    PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)"
	@echo "make man        the manual pages, into $(O)/man"
	@echo "make deb        $(DEB), with dpkg-buildpackage"
	@echo "make check-deb  that package installed into a throw-away root, and lintian"
