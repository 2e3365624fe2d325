/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The trace channel behind `pinmm run --trace`: leaf events, function_graph-
 * style entry and exit of the calls that contain them (indented by depth, per
 * thread), event classes to choose from, per-page loops folded into one line
 * and a count, a dump_page() block under BUG/WARN events, and the same events
 * in Chrome's trace-event JSON, one track per thread, for Perfetto.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <pinmm/mem/memory.h>

bool mm_trace_on;
static FILE *trace_sink;
static FILE *trace_json;
static bool json_first;
static int json_pid;
static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int trace_classes = ~0u;
static bool trace_fold = true;
static struct timespec trace_t0;

/*
 * my_depth: the calls this thread is inside, shown or not; my_shown: those
 * whose entry was printed (a class filtered out does not indent), as a bit
 * per level in my_shown_bits.
 */
static _Thread_local int my_depth;
static _Thread_local int my_shown;
static _Thread_local uint64_t my_shown_bits;
static _Thread_local int my_tid = -1;
static _Thread_local char my_name[32];
static _Thread_local int my_named_pid = -1;	/* the JSON process its name was given in */
static int next_tid;

const char *const mm_trace_class_names[MM_TRACE_NR_CLASSES] = {
	[MM_TRACE_GUP] = "gup",
	[MM_TRACE_FAULT] = "fault",
	[MM_TRACE_WRITEBACK] = "writeback",
	[MM_TRACE_DMA] = "dma",
	[MM_TRACE_VM] = "vm",
	[MM_TRACE_RECLAIM] = "reclaim",
	[MM_TRACE_FS] = "fs",
	[MM_TRACE_DEVMAP] = "devmap",
	[MM_TRACE_SCENARIO] = "scenario",
	[MM_TRACE_EVENTS] = "events",
};

/* Event name prefixes, most specific first: "dax_fault" is a fault, "dax_read" fs. */
static const struct { const char *prefix; enum mm_trace_class cls; } class_of[] = {
	{ "BUG", MM_TRACE_EVENTS }, { "WARN", MM_TRACE_EVENTS }, { "CSUM", MM_TRACE_EVENTS },
	{ "scenario", MM_TRACE_SCENARIO }, { "line ", MM_TRACE_SCENARIO },
	{ "dax_fault", MM_TRACE_FAULT }, { "handle_mm_fault", MM_TRACE_FAULT },
	{ "fault", MM_TRACE_FAULT }, { "filemap_fault", MM_TRACE_FAULT },
	{ "page_mkwrite", MM_TRACE_FAULT }, { "wp_page_copy", MM_TRACE_FAULT },
	{ "do_", MM_TRACE_FAULT }, { "migration_entry_wait", MM_TRACE_FAULT },
	{ "pin_user_pages", MM_TRACE_GUP }, { "get_user_pages", MM_TRACE_GUP },
	{ "gup_", MM_TRACE_GUP }, { "unpin_", MM_TRACE_GUP }, { "vaddr_", MM_TRACE_GUP },
	{ "check_and_migrate", MM_TRACE_GUP }, { "try_grab_folio", MM_TRACE_GUP },
	{ "migrate_longterm", MM_TRACE_GUP },
	{ "gup_put_folio", MM_TRACE_GUP }, { "put_user_page", MM_TRACE_GUP },
	{ "writeback", MM_TRACE_WRITEBACK }, { "folio_mkclean", MM_TRACE_WRITEBACK },
	{ "read_block", MM_TRACE_WRITEBACK }, { "release_folio", MM_TRACE_WRITEBACK },
	{ "write_cache_pages", MM_TRACE_WRITEBACK }, { "__writepage", MM_TRACE_WRITEBACK },
	{ "hugetlb_wp", MM_TRACE_FAULT }, { "swap_read_folio", MM_TRACE_FAULT },
	{ "add_to_swap", MM_TRACE_RECLAIM }, { "swap_writepage", MM_TRACE_RECLAIM },
	{ "swapon", MM_TRACE_VM }, { "swapoff", MM_TRACE_VM }, { "mremap", MM_TRACE_VM },
	{ "collapse", MM_TRACE_VM },
	{ "dma_", MM_TRACE_DMA }, { "odp_", MM_TRACE_DMA },
	{ "reclaim", MM_TRACE_RECLAIM }, { "shrink_", MM_TRACE_RECLAIM },
	{ "migrate", MM_TRACE_RECLAIM }, { "try_to_unmap", MM_TRACE_RECLAIM },
	{ "drop_caches", MM_TRACE_RECLAIM }, { "deferred_split", MM_TRACE_RECLAIM },
	{ "mmap", MM_TRACE_VM }, { "munmap", MM_TRACE_VM }, { "mprotect", MM_TRACE_VM },
	{ "madvise", MM_TRACE_VM }, { "fork", MM_TRACE_VM }, { "copy_", MM_TRACE_VM },
	{ "zap", MM_TRACE_VM }, { "thp_", MM_TRACE_VM }, { "mmu_notifier", MM_TRACE_VM },
	{ "unmap_mapping_range", MM_TRACE_VM },
	{ "memremap", MM_TRACE_DEVMAP }, { "memunmap", MM_TRACE_DEVMAP },
	{ "pmem", MM_TRACE_DEVMAP }, { "devmap", MM_TRACE_DEVMAP },
};

static enum mm_trace_class classify(const char *event)
{
	for (size_t i = 0; i < sizeof(class_of) / sizeof(class_of[0]); i++)
		if (!strncmp(event, class_of[i].prefix, strlen(class_of[i].prefix)))
			return class_of[i].cls;
	return MM_TRACE_FS;	/* truncate, punch_hole, free_block, dax_*, reflink, lease... */
}

int mm_trace_class_parse(const char *name)
{
	for (int i = 0; i < MM_TRACE_NR_CLASSES; i++)
		if (!strcmp(name, mm_trace_class_names[i]))
			return i;
	return -EINVAL;
}

void mm_trace_set_classes(unsigned int mask)
{
	pthread_mutex_lock(&trace_lock);
	/* BUG/WARN and the scenario's own lines are always kept. */
	trace_classes = mask | BIT(MM_TRACE_EVENTS) | BIT(MM_TRACE_SCENARIO);
	pthread_mutex_unlock(&trace_lock);
}

void mm_trace_set_fold(bool fold)
{
	pthread_mutex_lock(&trace_lock);
	trace_fold = fold;
	pthread_mutex_unlock(&trace_lock);
}

/* ---- folding: a run of lines, or of calls, that differ only in their numbers ---- */

#define LINE_MAX_TRACE 512
#define FOLD_DEPTH_MAX 16

/* Leaves: the first line of a run is printed, the rest counted. */
static struct {
	bool held;
	int tid, depth;
	char name[32];	/* the folding thread's: another thread may flush the run */
	char event[40];
	char shape[LINE_MAX_TRACE];
	char last[LINE_MAX_TRACE];
	unsigned long more;
} fold;

/*
 * Calls (the CPU's only): a call whose entry and whole body have the shape of
 * the call before it at the same depth is buffered while it runs, and counted
 * instead of printed if it matched to the end.
 */
static struct {
	bool valid;
	char fn[40];
	char shape[LINE_MAX_TRACE];
	uint64_t sig;
} lastblk[FOLD_DEPTH_MAX];
static uint64_t open_hash[FOLD_DEPTH_MAX];
static int buf_depth = -1;
static char *buf_text;
static size_t buf_len;
static FILE *buf_stream;
static struct {
	bool held;
	int depth;
	char fn[40];
	char last[LINE_MAX_TRACE];
	unsigned long more;
} blkfold;

/* @msg with every number (decimal or 0x hex) replaced by '#'. */
static void shape_of(const char *msg, char *out, size_t len)
{
	size_t o = 0;

	for (const char *p = msg; *p && o + 1 < len;) {
		if (*p >= '0' && *p <= '9') {
			if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
				p += 2;
			while ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
			       (*p >= 'A' && *p <= 'F'))
				p++;
			out[o++] = '#';
			continue;
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
}

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return (h ^ '\n') * 0x100000001b3ULL;
}

/* Every block open at a depth below @depth has this line in its body. */
static void hash_line(int depth, const char *event, const char *msg)
{
	char shape[LINE_MAX_TRACE];

	shape_of(msg, shape, sizeof(shape));
	for (int k = 0; k < depth && k < FOLD_DEPTH_MAX; k++)
		open_hash[k] = fnv(fnv(open_hash[k], event), shape);
}

static FILE *out_f(void)
{
	return buf_stream ? buf_stream : trace_sink;
}

static void prefix(FILE *f, int tid, const char *name, int depth)
{
	/* The first thread to trace is the CPU running the scenario: no tag. */
	if (tid > 0)
		fprintf(f, "[%s] ", name[0] ? name : "?");
	fprintf(f, "%*s", depth * 2, "");
}

static void fold_flush(void)
{
	if (!fold.held)
		return;
	if (fold.more) {
		prefix(out_f(), fold.tid, fold.name, fold.depth);
		fprintf(out_f(), "%-14s … ×%lu more, the last: %s\n", "", fold.more, fold.last);
	}
	fold.held = false;
	fold.more = 0;
}

static void blkfold_flush(void)
{
	if (!blkfold.held)
		return;
	prefix(out_f(), 0, "", blkfold.depth);
	fprintf(out_f(), "… ×%lu more %s() calls like the one above, the last: %s(%s)\n",
		blkfold.more, blkfold.fn, blkfold.fn, blkfold.last);
	blkfold.held = false;
	blkfold.more = 0;
}

/* ---- JSON ---- */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - trace_t0.tv_sec) * 1e6 + (double)(t.tv_nsec - trace_t0.tv_nsec) / 1e3;
}

static void json_begin_record(void)
{
	fputs(json_first ? "\n" : ",\n", trace_json);
	json_first = false;
}

static void json_thread_name(void)
{
	if (my_named_pid == json_pid)
		return;
	my_named_pid = json_pid;
	json_begin_record();
	fprintf(trace_json, "{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": %d, \"tid\": %d, "
		"\"args\": {\"name\": ", json_pid, my_tid);
	json_str(trace_json, my_name[0] ? my_name : "thread");
	fputs("}}", trace_json);
}

static void json_event(char ph, const char *name, enum mm_trace_class cls, const char *key,
		       const char *msg)
{
	json_thread_name();
	json_begin_record();
	fputs("{\"name\": ", trace_json);
	json_str(trace_json, name);
	fprintf(trace_json, ", \"cat\": \"%s\", \"ph\": \"%c\", \"ts\": %.3f, \"pid\": %d, \"tid\": %d",
		mm_trace_class_names[cls], ph, now_us(), json_pid, my_tid);
	if (ph == 'i')
		fputs(", \"s\": \"t\"", trace_json);
	if (msg && msg[0]) {
		fprintf(trace_json, ", \"args\": {\"%s\": ", key);
		json_str(trace_json, msg);
		fputc('}', trace_json);
	}
	fputc('}', trace_json);
}

static void ensure_tid(void)
{
	if (my_tid < 0) {
		my_tid = next_tid++;
		if (!my_name[0])
			snprintf(my_name, sizeof(my_name), my_tid ? "thread %d" : "cpu", my_tid);
	}
}

/* ---- the channel ---- */

static void update_on(void)
{
	WRITE_ONCE(mm_trace_on, trace_sink != NULL || trace_json != NULL);
}

void mm_trace_set(FILE *sink)
{
	pthread_mutex_lock(&trace_lock);
	if (trace_sink) {
		fold_flush();
		if (buf_stream) {
			fclose(buf_stream);
			buf_stream = NULL;
			fwrite(buf_text, 1, buf_len, trace_sink);
			free(buf_text);
			buf_text = NULL;
			buf_depth = -1;
		}
		blkfold_flush();
	}
	memset(lastblk, 0, sizeof(lastblk));
	my_depth = 0;
	my_shown = 0;
	my_shown_bits = 0;
	trace_sink = sink;
	update_on();
	pthread_mutex_unlock(&trace_lock);
}

void mm_trace_json_start(FILE *f)
{
	pthread_mutex_lock(&trace_lock);
	trace_json = f;
	json_first = true;
	json_pid = 0;
	clock_gettime(CLOCK_MONOTONIC, &trace_t0);
	fputs("{\"displayTimeUnit\": \"ns\", \"traceEvents\": [", f);
	update_on();
	pthread_mutex_unlock(&trace_lock);
}

void mm_trace_json_process(const char *name)
{
	pthread_mutex_lock(&trace_lock);
	if (trace_json) {
		json_pid++;
		json_begin_record();
		fprintf(trace_json, "{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": %d, "
			"\"args\": {\"name\": ", json_pid);
		json_str(trace_json, name);
		fputs("}}", trace_json);
	}
	pthread_mutex_unlock(&trace_lock);
}

void mm_trace_json_finish(void)
{
	pthread_mutex_lock(&trace_lock);
	if (trace_json)
		fputs("\n]}\n", trace_json);
	trace_json = NULL;
	update_on();
	pthread_mutex_unlock(&trace_lock);
}

void mm_trace_thread_name(const char *name)
{
	snprintf(my_name, sizeof(my_name), "%s", name);
	my_named_pid = -1;
}

static bool folding(void)
{
	return trace_fold && trace_sink;
}

static void leaf(const char *event, const char *msg)
{
	enum mm_trace_class cls = classify(event);
	char shape[LINE_MAX_TRACE];

	ensure_tid();
	if (!(trace_classes & BIT(cls)))
		return;
	if (trace_json)
		json_event('i', event, cls, "detail", msg);
	if (!trace_sink)
		return;
	if (folding() && my_tid == 0)
		hash_line(my_shown, event, msg);
	if (folding() && cls != MM_TRACE_EVENTS && cls != MM_TRACE_SCENARIO) {
		shape_of(msg, shape, sizeof(shape));
		if (fold.held && fold.tid == my_tid && fold.depth == my_shown &&
		    !strcmp(fold.event, event) && !strcmp(fold.shape, shape)) {
			fold.more++;
			snprintf(fold.last, sizeof(fold.last), "%s", msg);
			return;
		}
		fold_flush();
		fold.held = true;
		fold.tid = my_tid;
		memcpy(fold.name, my_name, sizeof(fold.name));
		fold.depth = my_shown;
		snprintf(fold.event, sizeof(fold.event), "%s", event);
		memcpy(fold.shape, shape, sizeof(shape));
	} else {
		fold_flush();
	}
	if (my_tid == 0) {
		if (blkfold.held && my_shown <= blkfold.depth)
			blkfold_flush();
		if (my_shown < FOLD_DEPTH_MAX)
			lastblk[my_shown].valid = false;
	}
	prefix(out_f(), my_tid, my_name, my_shown);
	fprintf(out_f(), "%-14s %s\n", event, msg);
}

void __mm_trace(const char *event, const char *fmt, ...)
{
	char msg[LINE_MAX_TRACE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&trace_lock);
	leaf(event, msg);
	pthread_mutex_unlock(&trace_lock);
}

/* A line of the interpreter's own, printed as it is (and a JSON instant). */
static void raw_line(const char *line)
{
	ensure_tid();
	if (trace_json)
		json_event('i', "scenario", MM_TRACE_SCENARIO, "detail", line);
	if (!trace_sink)
		return;
	fold_flush();
	if (my_tid == 0) {
		blkfold_flush();
		for (int k = 0; k < FOLD_DEPTH_MAX; k++)
			lastblk[k].valid = false;
	}
	prefix(out_f(), my_tid, my_name, my_shown);
	fprintf(out_f(), "%s\n", line);
}

void __mm_trace_raw(const char *fmt, ...)
{
	char msg[LINE_MAX_TRACE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&trace_lock);
	raw_line(msg);
	pthread_mutex_unlock(&trace_lock);
}

void mm_trace_json_scope(const char *name, bool begin)
{
	pthread_mutex_lock(&trace_lock);
	ensure_tid();
	if (trace_json)
		json_event(begin ? 'B' : 'E', name, MM_TRACE_SCENARIO, "detail", "");
	pthread_mutex_unlock(&trace_lock);
}

void mm_trace_block(const char *text)
{
	pthread_mutex_lock(&trace_lock);
	ensure_tid();
	if (trace_json)
		json_event('i', "dump_page", MM_TRACE_EVENTS, "detail", text);
	if (trace_sink) {
		fold_flush();
		if (my_tid == 0 && blkfold.held && my_shown <= blkfold.depth)
			blkfold_flush();
		if (my_tid == 0 && my_shown < FOLD_DEPTH_MAX)
			lastblk[my_shown].valid = false;
		for (const char *p = text; *p;) {
			size_t n = strcspn(p, "\n");

			prefix(out_f(), my_tid, my_name, my_shown);
			fprintf(out_f(), "%-14s %.*s\n", "", (int)n, p);
			p += n + (p[n] == '\n');
		}
	}
	pthread_mutex_unlock(&trace_lock);
}

void __mm_trace_enter(const char *fn, const char *fmt, ...)
{
	enum mm_trace_class cls = classify(fn);
	char msg[LINE_MAX_TRACE], shape[LINE_MAX_TRACE];
	int d;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&trace_lock);
	ensure_tid();
	d = my_shown;
	if (my_depth++ < 64)
		my_shown_bits &= ~(1ULL << (my_depth - 1));
	if (!(trace_classes & BIT(cls)))
		goto out;
	my_shown++;
	if (my_depth <= 64)
		my_shown_bits |= 1ULL << (my_depth - 1);
	if (trace_json)
		json_event('B', fn, cls, "args", msg);
	if (!trace_sink)
		goto out;
	fold_flush();
	if (folding() && my_tid == 0 && d < FOLD_DEPTH_MAX) {
		shape_of(msg, shape, sizeof(shape));
		hash_line(d, fn, msg);
		if (blkfold.held && (blkfold.depth != d || strcmp(blkfold.fn, fn)))
			blkfold_flush();
		for (int k = d + 1; k < FOLD_DEPTH_MAX; k++)
			lastblk[k].valid = false;
		if (buf_depth < 0 && lastblk[d].valid && !strcmp(lastblk[d].fn, fn) &&
		    !strcmp(lastblk[d].shape, shape)) {
			buf_stream = open_memstream(&buf_text, &buf_len);
			if (buf_stream)
				buf_depth = d;
		}
		if (buf_depth < 0 || buf_depth == d) {
			snprintf(lastblk[d].fn, sizeof(lastblk[d].fn), "%s", fn);
			memcpy(lastblk[d].shape, shape, sizeof(shape));
		}
		open_hash[d] = fnv(fnv(0xcbf29ce484222325ULL, fn), shape);
		if (buf_depth == d)
			snprintf(blkfold.last, sizeof(blkfold.last), "%s", msg);
	} else if (my_tid == 0) {
		blkfold_flush();
	}
	prefix(out_f(), my_tid, my_name, d);
	fprintf(out_f(), "%s(%s) {\n", fn, msg);
out:
	pthread_mutex_unlock(&trace_lock);
}

void __mm_trace_exit(const char *fn, const char *fmt, ...)
{
	enum mm_trace_class cls = classify(fn);
	char msg[LINE_MAX_TRACE], last[LINE_MAX_TRACE];
	int d;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&trace_lock);
	ensure_tid();
	/* A trace switched on inside a call sees its exit only: no depth below 0. */
	if (my_depth > 0) {
		bool shown = my_depth > 64 || (my_shown_bits & (1ULL << (my_depth - 1)));

		my_depth--;
		if (!shown)
			goto out;
		if (my_shown > 0)
			my_shown--;
	}
	d = my_shown;
	if (!(trace_classes & BIT(cls)))
		goto out;
	if (trace_json)
		json_event('E', fn, cls, "ret", msg);
	if (!trace_sink)
		goto out;
	fold_flush();
	if (my_tid == 0 && blkfold.held && d < blkfold.depth)
		blkfold_flush();
	prefix(out_f(), my_tid, my_name, d);
	fprintf(out_f(), "} %s%s%s\n", fn, msg[0] ? " = " : "", msg);
	if (!folding() || my_tid != 0 || d >= FOLD_DEPTH_MAX)
		goto out;
	hash_line(d + 1, "}", msg);
	if (buf_depth == d) {
		uint64_t sig = open_hash[d];

		fclose(buf_stream);
		buf_stream = NULL;
		buf_depth = -1;
		if (sig == lastblk[d].sig) {
			memcpy(last, blkfold.last, sizeof(last));
			if (!blkfold.held) {
				blkfold.held = true;
				blkfold.depth = d;
				snprintf(blkfold.fn, sizeof(blkfold.fn), "%s", fn);
			}
			blkfold.more++;
			memcpy(blkfold.last, last, sizeof(last));
		} else {
			blkfold_flush();
			fwrite(buf_text, 1, buf_len, trace_sink);
			lastblk[d].sig = sig;
		}
		free(buf_text);
		buf_text = NULL;
	} else if (buf_depth < 0) {
		lastblk[d].sig = open_hash[d];
		lastblk[d].valid = true;
	}
out:
	pthread_mutex_unlock(&trace_lock);
}

const char *trace_flags(char *buf, size_t len, unsigned long v, const struct trace_flag *names)
{
	size_t o = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	if (!v) {
		snprintf(buf, len, "0");
		return buf;
	}
	for (const struct trace_flag *f = names; f->name && o < len; f++) {
		if ((v & f->mask) != f->mask || !f->mask)
			continue;
		o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "|" : "", f->name);
		v &= ~f->mask;
	}
	if (v && o < len)
		snprintf(buf + o, len - o, "%s%#lx", o ? "|" : "", v);
	return buf;
}
