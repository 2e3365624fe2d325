/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The event log (BUG/WARN/checksum conditions). The trace channel is trace.c.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <pinmm/mem/memory.h>

const char *const mm_event_kind_names[MM_EV_NR] = {
	[MM_EV_BUG] = "BUG",
	[MM_EV_WARN] = "WARN",
	[MM_EV_CSUM] = "CSUM",
};

atomic_uint mm_boot_generation;

static pthread_mutex_t event_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mm_event *events;
static size_t nr_events, cap_events;
/* Model: the log keeps the first MAX_EVENTS; a runaway loop cannot eat the host. */
#define MAX_EVENTS 4096


void mm_event(enum mm_event_kind kind, const struct page *page, const char *fmt, ...)
{
	struct mm_event ev = { .kind = kind };
	va_list ap;

	if (page && mem_map)
		ev.pfn = page_to_pfn(page);
	va_start(ap, fmt);
	vsnprintf(ev.text, sizeof(ev.text), fmt, ap);
	va_end(ap);

	pthread_mutex_lock(&event_lock);
	if (nr_events < MAX_EVENTS) {
		if (nr_events == cap_events) {
			size_t ncap = cap_events ? cap_events * 2 : 16;
			struct mm_event *n = realloc(events, ncap * sizeof(*n));

			if (n) {
				events = n;
				cap_events = ncap;
			}
		}
		if (nr_events < cap_events)
			events[nr_events++] = ev;
	}
	pthread_mutex_unlock(&event_lock);

	if (ev.pfn)
		mm_trace(mm_event_kind_names[kind], "%s (pfn %#lx)", ev.text, ev.pfn);
	else
		mm_trace(mm_event_kind_names[kind], "%s", ev.text);
	/* As the kernel prints with VM_BUG_ON_PAGE/VM_WARN_ON_FOLIO: the page's state. */
	if (page && mem_map && kind != MM_EV_CSUM && READ_ONCE(mm_trace_on)) {
		char buf[1024];

		dump_page_str(buf, sizeof(buf), page, ev.text);
		mm_trace_block(buf);
	}
}

size_t mm_event_count(void)
{
	size_t n;

	pthread_mutex_lock(&event_lock);
	n = nr_events;
	pthread_mutex_unlock(&event_lock);
	return n;
}

size_t mm_event_count_kind(enum mm_event_kind kind)
{
	return mm_event_match(kind, NULL);
}

int mm_event_get(size_t i, struct mm_event *out)
{
	int ret = -ENOENT;

	pthread_mutex_lock(&event_lock);
	if (i < nr_events) {
		*out = events[i];
		ret = 0;
	}
	pthread_mutex_unlock(&event_lock);
	return ret;
}

size_t mm_event_match(enum mm_event_kind kind, const char *needle)
{
	size_t n = 0;

	pthread_mutex_lock(&event_lock);
	for (size_t i = 0; i < nr_events; i++)
		if (events[i].kind == kind && (!needle || strstr(events[i].text, needle)))
			n++;
	pthread_mutex_unlock(&event_lock);
	return n;
}

void mm_events_reset(void)
{
	pthread_mutex_lock(&event_lock);
	free(events);
	events = NULL;
	nr_events = cap_events = 0;
	pthread_mutex_unlock(&event_lock);
}
