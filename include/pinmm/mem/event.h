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

/* Tracing: off unless a sink is set; checking mm_trace_on costs one load. */
extern bool mm_trace_on;
void mm_trace_set(FILE *sink);
void __mm_trace(const char *event, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define mm_trace(event, ...)							\
	do {									\
		if (unlikely(READ_ONCE(mm_trace_on)))				\
			__mm_trace(event, __VA_ARGS__);				\
	} while (0)

#endif
