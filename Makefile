# svc: build, test, install. `make help` lists the targets.

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
SBINDIR = $(PREFIX)/sbin
LIBEXECDIR = $(PREFIX)/libexec/svc
MANDIR = $(PREFIX)/share/man

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
LIBS_SYSTEMD = $(call pc,libsystemd)
LIBS_INIH = $(call pc,inih)
LIBS_CAP = $(call pc,libcap)

ALL_CFLAGS = $(BASE_CFLAGS) $(CFLAGS) $(call pc_cflags,libsystemd inih libcap)
ALL_LDFLAGS = $(BASE_LDFLAGS) $(LDFLAGS)

COMMON_SRC := $(wildcard common/*.c)
UNITS_SRC := $(wildcard units/*.c)
SANDBOX_SRC := $(wildcard sandbox/*.c)
SVCD_SRC := $(filter-out supervisor/svc.c supervisor/svc-ctl.c supervisor/client-%.c,$(wildcard supervisor/*.c))
SVC_SRC := supervisor/svc.c $(wildcard supervisor/client-*.c)
SVCCTL_SRC := supervisor/svc-ctl.c $(wildcard supervisor/client-*.c)

obj = $(patsubst %.c,$(O)/obj/%.o,$(1))
COMMON_OBJ := $(call obj,$(COMMON_SRC))
UNITS_OBJ := $(call obj,$(UNITS_SRC))
SANDBOX_OBJ := $(call obj,$(SANDBOX_SRC))
SVCD_OBJ := $(call obj,$(SVCD_SRC))
SVC_OBJ := $(call obj,$(SVC_SRC))
SVCCTL_OBJ := $(call obj,$(SVCCTL_SRC))

BINARIES := $(O)/svcd $(O)/svc $(O)/svc-ctl

UNIT_TESTS := $(patsubst tests/unit/%.c,$(O)/tests/%,$(wildcard tests/unit/test-*.c))

.PHONY: all
all: $(BINARIES)

$(O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(O)/svcd: $(SVCD_OBJ) $(UNITS_OBJ) $(SANDBOX_OBJ) $(COMMON_OBJ)
	$(CC) $(ALL_LDFLAGS) $^ -o $@ $(LIBS_SYSTEMD) $(LIBS_INIH) $(LIBS_CAP) -lpthread -lm

$(O)/svc: $(SVC_OBJ) $(UNITS_OBJ) $(COMMON_OBJ)
	$(CC) $(ALL_LDFLAGS) $^ -o $@ $(LIBS_INIH) $(LIBS_CAP)

$(O)/svc-ctl: $(SVCCTL_OBJ) $(COMMON_OBJ)
	$(CC) $(ALL_LDFLAGS) $^ -o $@ $(LIBS_SYSTEMD)

# Unit tests: tests/unit/test-MODULE.c links the objects of MODULE.
TEST_LIBS = $(call pc,cmocka) $(LIBS_INIH) $(LIBS_CAP) -lm
$(O)/tests/test-units: tests/unit/test-units.c $(UNITS_OBJ) $(COMMON_OBJ)
$(O)/tests/test-state: tests/unit/test-state.c $(O)/obj/supervisor/state.o $(COMMON_OBJ)
$(O)/tests/test-%:
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(filter %.c %.o,$^) -o $@ $(TEST_LIBS)

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)

# ---------------------------------------------------------------------------------------------
# The two commands of the README, and what they need.

DEBIAN_PACKAGES = build-essential pkg-config libsystemd-dev libcap-dev libinih-dev libcmocka-dev \
	clang clang-tidy clang-format cppcheck busybox-static curl iproute2 util-linux procps psmisc \
	python3 systemd

.PHONY: deps
deps:
	@contrib/deps.sh $(DEBIAN_PACKAGES)

.PHONY: demo
demo: deps all
	contrib/demo.sh $(O)

.PHONY: check
check: deps
	$(MAKE) O=build/asan SANITIZE=1 all unit-tests
	tests/run-unit.sh build/asan
	tests/integration/run.sh build/asan

.PHONY: unit-tests
unit-tests: $(UNIT_TESTS)

.PHONY: lint
lint:
	clang-format --dry-run --Werror $(wildcard common/*.[ch] units/*.[ch] sandbox/*.[ch] supervisor/*.[ch] tests/unit/*.c)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
		--suppress=missingIncludeSystem -D_GNU_SOURCE -I. common units sandbox supervisor
	clang-tidy --quiet $(wildcard common/*.c units/*.c sandbox/*.c supervisor/*.c) -- \
		$(BASE_CFLAGS) $(call pc_cflags,libsystemd inih libcap)

.PHONY: install
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR)
	install -m 0755 $(O)/svc $(DESTDIR)$(BINDIR)/svc
	install -m 0755 $(O)/svcd $(DESTDIR)$(SBINDIR)/svcd
	install -m 0755 $(O)/svc-ctl $(DESTDIR)$(LIBEXECDIR)/svc-ctl
	install -d $(DESTDIR)$(PREFIX)/share/svc/examples $(DESTDIR)$(PREFIX)/share/doc/svc
	install -m 0644 units/examples/*.unit $(DESTDIR)$(PREFIX)/share/svc/examples/
	install -m 0644 README.md units/README.md $(DESTDIR)$(PREFIX)/share/doc/svc/ 2>/dev/null || \
		install -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/svc/

.PHONY: clean
clean:
	rm -rf build

.PHONY: help
help:
	@echo "make            build build/svcd, build/svc and helpers"
	@echo "make deps       install the Debian packages the build, tests and demo need"
	@echo "make demo       run svcd in the foreground on units/examples under a throw-away root"
	@echo "make check      unit and integration tests under ASan/UBSan"
	@echo "make lint       clang-format, cppcheck, clang-tidy"
	@echo "make install    PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)"
