# SPDX-License-Identifier: GPL-2.0-only
#
# pinmm build. Layers (DESIGN.md) compile into one libpinmm.a; a test for layer L
# links the objects of L and of every layer before it, so a layer can be tested
# before the layers above it exist.

CC      ?= gcc
SAN     ?=
comma   := ,
ifeq ($(origin CC),default)
CC      := gcc
endif

# PAGE=72: the build variant with John Hubbard's 2018 _dma_pinned_count in a
# 72-byte struct page, the only build where the `field` tracker runs. It lives
# in its own directory (build/gcc-page72/pinmm, build/clang-page72/pinmm; with
# SAN, build/gcc-page72-san-...), beside the 64-byte default build/gcc/pinmm.
PAGE    ?= 64
ifeq ($(PAGE),72)
PAGE_VARIANT := -page72
PAGE_CFLAGS  := -DPINMM_FIELD_TRACKER_PAGE
else ifneq ($(PAGE),64)
$(error PAGE must be 64 (the default) or 72 (the field tracker's struct page), not '$(PAGE)')
endif

VARIANT := $(notdir $(firstword $(CC)))$(PAGE_VARIANT)$(if $(SAN),-san-$(subst $(comma),-,$(SAN)))
BUILD   := build/$(VARIANT)

CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -g -Wall -Wextra -Werror \
	-Wno-unused-parameter -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Iinclude -pthread -fno-strict-aliasing
OPT     ?= -O2
CFLAGS  ?=
CFLAGS  := $(CFLAGS_BASE) $(PAGE_CFLAGS) $(OPT) $(CFLAGS)
LDLIBS  := -lurcu-bp -lurcu-cds -lz -luring -lpthread -lm
ifneq ($(SAN),)
CFLAGS  += -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SAN)
endif

LAYERS := mem pin vm fs devmap gup dev host scenario
# What a test of layer L may link: L and the layers before it.
upto_mem      := mem
upto_pin      := mem pin
upto_vm       := mem pin vm
upto_fs       := mem pin vm fs
upto_devmap   := mem pin vm fs devmap
upto_gup      := mem pin vm fs devmap gup
upto_dev      := mem pin vm fs devmap gup dev
# The host layer drives the running kernel; it includes no model layer.
upto_host     := host
upto_scenario := $(LAYERS)
upto_stress   := $(LAYERS)
upto = $(upto_$(1))

layer_srcs = $(wildcard src/$(1)/*.c)
# Generated objects that belong to a layer: the pin registry (mk/gen-registry.sh).
gen_objs_pin := $(BUILD)/gen/pin_registry.o
layer_objs = $(patsubst %.c,$(BUILD)/%.o,$(call layer_srcs,$(1))) $(gen_objs_$(1))
ALL_OBJS   := $(foreach l,$(LAYERS),$(call layer_objs,$(l)))
TOOL_SRCS  := $(wildcard tools/*.c)
TOOL_OBJS  := $(patsubst %.c,$(BUILD)/%.o,$(TOOL_SRCS))
LIB        := $(BUILD)/libpinmm.a
PINMM      := $(BUILD)/pinmm
TEST_SRCS  := $(wildcard tests/*/test_*.c)
TEST_BINS  := $(patsubst %.c,$(BUILD)/%,$(TEST_SRCS))
TEST_COMMON:= $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/common/*.c))
# One stamp per compiler and sanitizer: each may need packages of its own.
DEPS_STAMP := $(BUILD)/.deps-ok

.PHONY: all run check test-bins deps clean bench fuzz layers models help docs
# Keep intermediate objects: no rebuilds, and no "rm" after the test summary.
.SECONDARY:

all: $(PINMM) $(LIB)

help:
	@echo "make            build libpinmm.a and pinmm ($(BUILD))"
	@echo "make run        run the built-in scenario suite under every preset"
	@echo "make check      build and run every test (SAN=address,undefined or SAN=thread)"
	@echo "make bench      run the standard benchmark set"
	@echo "make fuzz       run the fuzz targets for a bounded time (clang)"
	@echo "make docs       regenerate the reference part of docs/scenario-language.md"
	@echo "make PAGE=72    the 72-byte struct page variant (field tracker): build/gcc-page72/pinmm"
	@echo "                (build/clang-page72/pinmm with CC=clang); PAGE=72 check runs the suite in it"
	@echo "make models     check every spin model under models/ exhaustively"

deps: $(DEPS_STAMP)
$(DEPS_STAMP): mk/deps.sh
	@CC="$(CC)" SAN="$(SAN)" sh mk/deps.sh base
	@mkdir -p $(dir $@) && touch $@

# Rebuild everything when the flags change.
$(BUILD)/.cflags: FORCE
	@mkdir -p $(BUILD) && echo '$(CC) $(CFLAGS)' | cmp -s - $@ || echo '$(CC) $(CFLAGS)' > $@
.PHONY: FORCE

$(BUILD)/%.o: %.c $(BUILD)/.cflags | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(ALL_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# Every PIN_TRACKER()/PIN_PRESET() definition of the pin layer, in order.
PIN_SRCS := $(sort $(wildcard src/pin/*.c))
$(BUILD)/gen/pin_registry.c: mk/gen-registry.sh $(PIN_SRCS)
	@mkdir -p $(dir $@)
	sh mk/gen-registry.sh $@ $(PIN_SRCS)
$(BUILD)/gen/pin_registry.o: $(BUILD)/gen/pin_registry.c $(BUILD)/.cflags | $(DEPS_STAMP)
	$(CC) $(CFLAGS) -c $< -o $@

# The built-in suite: scenarios/*.pin compiled into the binary. The object is
# linked directly (not archived) so it wins over suite.c's weak fallback.
SCENARIO_FILES := $(sort $(wildcard scenarios/*.pin))
$(BUILD)/gen/scenarios.c: mk/embed-scenarios.sh $(SCENARIO_FILES)
	@mkdir -p $(dir $@)
	sh mk/embed-scenarios.sh $@ $(SCENARIO_FILES)
$(BUILD)/gen/scenarios.o: $(BUILD)/gen/scenarios.c $(BUILD)/.cflags | $(DEPS_STAMP)
	$(CC) $(CFLAGS) -c $< -o $@

$(PINMM): $(TOOL_OBJS) $(BUILD)/gen/scenarios.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(TOOL_OBJS) $(BUILD)/gen/scenarios.o $(LIB) $(LDLIBS)

# One link rule per layer: tests/L/test_x.c links layers up to L.
define test_rule
$(BUILD)/tests/$(1)/%: $(BUILD)/tests/$(1)/%.o $(TEST_COMMON) $(foreach l,$(call upto,$(1)),$(call layer_objs,$(l)))
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS) -lcmocka
endef
$(foreach l,$(LAYERS) stress,$(eval $(call test_rule,$(l))))
# tests/tools: the command-line tools' own logic (the bench's statistics and records).
TOOL_LIB_OBJS := $(filter-out $(BUILD)/tools/pinmm.o,$(TOOL_OBJS))
$(BUILD)/tests/tools/%: $(BUILD)/tests/tools/%.o $(TEST_COMMON) $(TOOL_LIB_OBJS) $(BUILD)/gen/scenarios.o $(ALL_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -luring -lcmocka

test-bins: $(TEST_BINS) $(PINMM)

check: test-bins
	@BUILD=$(BUILD) SAN="$(SAN)" sh tests/run.sh $(TEST_BINS)

# The timeline document: the releases' matrix and the switch table (src/mem/kernel.c).
docs/timeline.md: $(PINMM)
	$(PINMM) run --timeline --markdown > $@.tmp && mv $@.tmp $@

run: $(PINMM)
	$(PINMM) run

layers:
	@sh mk/check-layers.sh

# The generated part of docs/scenario-language.md (test_reference checks it).
docs: $(PINMM)
	sh mk/gen-docs.sh $(PINMM)

fuzz:
	@sh mk/deps.sh fuzz && MAKE="$(MAKE)" sh mk/fuzz.sh

# models/NAME.pml must verify, models/NAME.broken-WHAT.pml must be refuted.
models:
	@sh mk/deps.sh models && sh mk/models.sh

# The standard set, with the 72-byte struct page build beside it for the
# field tracker; BENCH_ARGS adds options (e.g. --sweep).
BENCH_ARGS ?=
bench: $(PINMM)
	@sh mk/deps.sh bench
	@$(MAKE) --no-print-directory PAGE=72 all
	@mkdir -p bench
	$(PINMM) bench --json bench/results.json --plot bench/results.svg $(BENCH_ARGS)

clean:
	rm -rf build

-include $(ALL_OBJS:.o=.d) $(TOOL_OBJS:.o=.d) $(TEST_BINS:=.d)
