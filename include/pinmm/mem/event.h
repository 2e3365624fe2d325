/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel BUG/WARN conditions inside the model become recorded events that tests
 * and scenarios assert on; nothing in pinmm aborts. The trace channel carries one
 * line per fault, pin, unpin, mkclean, writeback and DMA access for --trace.
 */
#ifndef PINMM_MEM_EVENT_H
#define PINMM_MEM_EVENT_H

#include <stdatomic.h>
#include <stdio.h>
#include <pinmm/mem/compiler.h>

struct page;
struct folio;

enum mm_event_kind {
	MM_EV_BUG,
	MM_EV_WARN,
	MM_EV_CSUM,	/* a block failed checksum verification on read */
	MM_EV_NR,
};

#define MM_EVENT_TEXT 192

struct mm_event {
	enum mm_event_kind kind;
	unsigned long pfn;		/* 0 when no page was involved */
	char text[MM_EVENT_TEXT];	/* "ext4-like writepage: folio has no buffers" */
};

extern const char *const mm_event_kind_names[MM_EV_NR];

/* Record an event; @page may be NULL. Also goes to the trace when tracing. */
void mm_event(enum mm_event_kind kind, const struct page *page, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
size_t mm_event_count(void);
size_t mm_event_count_kind(enum mm_event_kind kind);
/* Copy event @i out; -ENOENT past the end. */
int mm_event_get(size_t i, struct mm_event *out);
/* Number of events of @kind whose text contains @needle (NULL: any). */
size_t mm_event_match(enum mm_event_kind kind, const char *needle);
void mm_events_reset(void);

/* Bumped by every mem_init(): *_ONCE checks fire once per simulated boot. */
extern atomic_uint mm_boot_generation;

#define __MM_ONCE(cond)								\
	({									\
		static atomic_uint __gen;					\
		bool __c = (cond);						\
		unsigned int __g = atomic_load_explicit(&mm_boot_generation,	\
							memory_order_relaxed);	\
		__c && atomic_exchange_explicit(&__gen, __g,			\
						memory_order_relaxed) != __g;	\
	})

#define VM_BUG_ON(cond)								\
	({ bool __b = !!(cond);							\
	   if (unlikely(__b))							\
		mm_event(MM_EV_BUG, NULL, "VM_BUG_ON(%s) at %s:%d", #cond,	\
			 __FILE__, __LINE__);					\
	   __b; })
#define VM_BUG_ON_PAGE(cond, page)						\
	({ bool __b = !!(cond);							\
	   if (unlikely(__b))							\
		mm_event(MM_EV_BUG, (page), "VM_BUG_ON_PAGE(%s) at %s:%d",	\
			 #cond, __FILE__, __LINE__);				\
	   __b; })
#define VM_BUG_ON_FOLIO(cond, folio) VM_BUG_ON_PAGE(cond, &(folio)->page)
#define WARN_ON(cond)								\
	({ bool __w = !!(cond);							\
	   if (unlikely(__w))							\
		mm_event(MM_EV_WARN, NULL, "WARN_ON(%s) at %s:%d", #cond,	\
			 __FILE__, __LINE__);					\
	   __w; })
#define WARN_ON_ONCE(cond)							\
	({ bool __w = !!(cond);							\
	   if (unlikely(__w) && __MM_ONCE(true))				\
		mm_event(MM_EV_WARN, NULL, "WARN_ON_ONCE(%s) at %s:%d", #cond,	\
			 __FILE__, __LINE__);					\
	   __w; })
#define VM_WARN_ON_ONCE_FOLIO(cond, folio)					\
	({ bool __w = !!(cond);							\
	   if (unlikely(__w) && __MM_ONCE(true))				\
		mm_event(MM_EV_WARN, &(folio)->page,				\
			 "VM_WARN_ON_ONCE_FOLIO(%s) at %s:%d", #cond,		\
			 __FILE__, __LINE__);					\
	   __w; })

/*
 * Tracing (src/mem/trace.c): off unless a sink is set; checking mm_trace_on
 * costs one load. Leaf events are one line each; mm_trace_enter()/exit()
 * bracket a call, indenting what happens inside it as ftrace's
 * function_graph does. Consecutive lines that differ only in their numbers
 * (a per-page loop) fold into the first and "… ×N more", unless folding is
 * off. Each event has a class, chosen from by mm_trace_set_classes().
 */
enum mm_trace_class {
	MM_TRACE_GUP,		/* get/pin_user_pages*, GUP-fast, unpin, longterm migration */
	MM_TRACE_FAULT,		/* handle_mm_fault and the handlers, COW, page_mkwrite */
	MM_TRACE_WRITEBACK,	/* writeback, folio_mkclean, block reads */
	MM_TRACE_DMA,		/* device accesses, ODP faults and invalidations */
	MM_TRACE_VM,		/* mmap, munmap, mprotect, madvise, fork, zap, THP splits, notifiers */
	MM_TRACE_RECLAIM,	/* reclaim, migration, try_to_unmap, drop_caches */
	MM_TRACE_FS,		/* truncate, hole punch, blocks, fsdax, leases, reflink */
	MM_TRACE_DEVMAP,	/* memremap_pages and ZONE_DEVICE pages */
	MM_TRACE_SCENARIO,	/* the interpreter's own lines (always shown) */
	MM_TRACE_EVENTS,	/* BUG, WARN, CSUM and their dump_page() (always shown) */
	MM_TRACE_NR_CLASSES,
};
extern const char *const mm_trace_class_names[MM_TRACE_NR_CLASSES];
/* The class's index, -EINVAL for a name that is not one. */
int mm_trace_class_parse(const char *name);
/* BIT(class) mask of what to print (default all); events and scenario lines always. */
void mm_trace_set_classes(unsigned int mask);
void mm_trace_set_fold(bool fold);

extern bool mm_trace_on;
void mm_trace_set(FILE *sink);
/*
 * The Chrome trace-event JSON of everything traced from here to
 * mm_trace_json_finish() into @f (Perfetto, chrome://tracing): one process
 * per mm_trace_json_process() (a scenario cell), one track per thread.
 */
void mm_trace_json_start(FILE *f);
void mm_trace_json_process(const char *name);
void mm_trace_json_finish(void);
/* The calling thread's track name ("cpu", "during=writeback"...). */
void mm_trace_thread_name(const char *name);
/* A JSON-only slice around one scenario command, named by its text. */
void mm_trace_json_scope(const char *name, bool begin);
/* A line printed as it is, at the current depth (the interpreter's own). */
void __mm_trace_raw(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A multi-line block (a dump_page()) under the current line, at its depth. */
void mm_trace_block(const char *text);

/* Flags by name for trace lines: "FOLL_WRITE|FOLL_PIN", unknown bits in hex. */
struct trace_flag {
	unsigned long mask;
	const char *name;
};
/* @names ends with { 0, NULL }. Returns @buf. */
const char *trace_flags(char *buf, size_t len, unsigned long v, const struct trace_flag *names);

void __mm_trace(const char *event, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void __mm_trace_enter(const char *fn, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void __mm_trace_exit(const char *fn, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define mm_trace(event, ...)							\
	do {									\
		if (unlikely(READ_ONCE(mm_trace_on)))				\
			__mm_trace(event, __VA_ARGS__);				\
	} while (0)
#define mm_trace_enter(fn, ...)							\
	do {									\
		if (unlikely(READ_ONCE(mm_trace_on)))				\
			__mm_trace_enter(fn, __VA_ARGS__);			\
	} while (0)
#define mm_trace_exit(fn, ...)							\
	do {									\
		if (unlikely(READ_ONCE(mm_trace_on)))				\
			__mm_trace_exit(fn, __VA_ARGS__);			\
	} while (0)

#endif
