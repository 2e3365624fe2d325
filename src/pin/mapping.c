/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The `mapping` tracker: the hybrid John Hubbard proposed on 13 December 2018
 * (seed 000): "Stay with the basic RFC approach of using a per-page counter,
 * but actually store the counter(s) in the mappings instead of the struct
 * page. We can use !PageAnon and page_mapping to look up all the mappings,
 * stash the dma_pinned_count there. So the total pinned count is scattered
 * across mappings. Probably still need a PageDmaPinned bit."
 *
 * So: a pin takes a page reference as get_user_pages() always did, reads
 * page->mapping and page->index, adds to the count that mapping keeps for
 * that index and sets PG_dma_pinned; folio_maybe_dma_pinned() tests the bit;
 * the unpin reads page->mapping again, takes the count down and clears the
 * bit when it reaches zero. An anonymous folio's ->mapping is its anon_vma
 * (tagged PAGE_MAPPING_ANON), which keeps its counts the same way. A folio
 * with no mapping is marked but counted nowhere.
 *
 * Dan Williams's answer, the next message: "How do you safely look at
 * page->mapping from the get_user_pages_fast() path? You'll be racing
 * invalidation disconnecting the page from the mapping." and John's: "I
 * don't have an answer for that, so maybe the page->mapping idea is dead
 * already." GUP-fast holds no lock that keeps a page in its mapping. When
 * truncate or hole punch disconnects a page between GUP-fast's charge and its
 * PTE re-check, the back-out reads ->mapping NULL and cannot return the
 * charge; when it disconnects a page the device holds, the unpin cannot. The
 * mapping keeps a count for an index whose page is gone, the page that takes
 * the index next inherits it, and every later folio_maybe_dma_pinned() of
 * that page trusts it: a page nobody pins reads as pinned for ever (and
 * writeback bounces it, reclaim keeps it, longterm policies act on it).
 * Scenario 14b reproduces the GUP-fast window deterministically
 * (`punch ... during=gup-fast`); tests/stress/test_mapping_race.c finds it
 * with nothing but threads.
 *
 * Model: the pin layer sits below vm/, where struct address_space is defined,
 * so a mapping's counts are not a member of it: they hang off a table keyed by
 * the mapping's address and the page index, which is what "reached through
 * page->mapping" means here. An address_space freed and allocated again at
 * the same address would inherit its counts, where the kernel version would
 * write into freed memory.
 */
#include <pthread.h>
#include <stdlib.h>
#include <pinmm/pin/trackers.h>
#include <pinmm/pin/preset.h>

struct mapping_pin_count {
	struct mapping_pin_count *next;
	const void *mapping;		/* the raw page->mapping word, anon tag included */
	pgoff_t index;
	long count;
};

/*
 * Model: the kernel would give each address_space an xarray of counts. Here
 * one hash holds every mapping's counts, sized so that chains stay short with
 * every page of a few GiB pinned (the benchmark pins 128 MiB per thread),
 * and striped over fewer locks.
 */
#define MAPPING_PIN_HASH_BITS	16
#define MAPPING_PIN_HASH_SIZE	(1UL << MAPPING_PIN_HASH_BITS)
#define MAPPING_PIN_LOCKS	1024

static struct mapping_pin_count *mapping_pin_hash[MAPPING_PIN_HASH_SIZE];
static pthread_mutex_t mapping_pin_locks[MAPPING_PIN_LOCKS];

struct mapping_pin_bucket {
	pthread_mutex_t *lock;
	struct mapping_pin_count **head;
};

static pthread_once_t mapping_pin_once = PTHREAD_ONCE_INIT;
static atomic_uint mapping_pin_boot;
static atomic_long mapping_pin_lost;

static void mapping_pin_init(void)
{
	for (size_t i = 0; i < MAPPING_PIN_LOCKS; i++)
		pthread_mutex_init(&mapping_pin_locks[i], NULL);
}

static struct mapping_pin_bucket bucket_of(const void *mapping, pgoff_t index)
{
	uint64_t h = ((uint64_t)(uintptr_t)mapping >> 4) * 0x9e3779b97f4a7c15ULL ^ index;
	size_t i;

	h *= 0xff51afd7ed558ccdULL;
	i = (size_t)(h >> (64 - MAPPING_PIN_HASH_BITS));
	return (struct mapping_pin_bucket){ &mapping_pin_locks[i % MAPPING_PIN_LOCKS],
					    &mapping_pin_hash[i] };
}

/*
 * Counts belong to the machine they were charged on: a new boot starts with
 * none (a scenario torn down mid-way, or one whose counts this design leaked).
 */
static void mapping_pin_sync_boot(void)
{
	unsigned int gen = atomic_load_explicit(&mm_boot_generation, memory_order_acquire);

	if (likely(atomic_load_explicit(&mapping_pin_boot, memory_order_acquire) == gen))
		return;
	for (size_t l = 0; l < MAPPING_PIN_LOCKS; l++) {
		pthread_mutex_lock(&mapping_pin_locks[l]);
		if (atomic_load(&mapping_pin_boot) != gen) {
			for (size_t i = l; i < MAPPING_PIN_HASH_SIZE; i += MAPPING_PIN_LOCKS) {
				while (mapping_pin_hash[i]) {
					struct mapping_pin_count *c = mapping_pin_hash[i];

					mapping_pin_hash[i] = c->next;
					free(c);
				}
			}
		}
		pthread_mutex_unlock(&mapping_pin_locks[l]);
	}
	atomic_store(&mapping_pin_lost, 0);
	atomic_store_explicit(&mapping_pin_boot, gen, memory_order_release);
}

static struct mapping_pin_count **find(struct mapping_pin_bucket b, const void *mapping,
				       pgoff_t index)
{
	struct mapping_pin_count **pp = b.head;

	while (*pp && ((*pp)->mapping != mapping || (*pp)->index != index))
		pp = &(*pp)->next;
	return pp;
}

static int mapping_try_pin(struct folio *folio, int refs, unsigned int gup_flags)
{
	struct mapping_pin_bucket b;
	struct mapping_pin_count **pp;
	const void *mapping;
	pgoff_t index;

	if (refs <= 0)
		return -EINVAL;
	if (!folio_ref_try_add(folio, refs))
		return folio_ref_count(folio) <= 0 ? -EAGAIN : -ENOMEM;
	mapping_pin_sync_boot();
	/* Nothing holds the page in its mapping: this is the read Dan Williams asked about. */
	mapping = READ_ONCE(folio->mapping);
	index = READ_ONCE(folio->index);
	if (!mapping) {
		folio_test_set_dma_pinned(folio);
		return 0;
	}
	b = bucket_of(mapping, index);
	pthread_mutex_lock(b.lock);
	pp = find(b, mapping, index);
	if (!*pp) {
		struct mapping_pin_count *c = malloc(sizeof(*c));

		if (!c) {
			pthread_mutex_unlock(b.lock);
			folio_put_refs(folio, refs);
			return -ENOMEM;
		}
		*c = (struct mapping_pin_count){ .mapping = mapping, .index = index };
		*pp = c;
	}
	(*pp)->count += refs;
	/* Under the lock, or an unpin could clear it between our count and our bit. */
	folio_test_set_dma_pinned(folio);
	pthread_mutex_unlock(b.lock);
	return 0;
}

static void mapping_unpin(struct folio *folio, int refs)
{
	const void *mapping;
	pgoff_t index;

	mapping_pin_sync_boot();
	mapping = READ_ONCE(folio->mapping);
	index = READ_ONCE(folio->index);
	if (!mapping) {
		/*
		 * Disconnected (or never in a mapping): the count, if there is
		 * one, is out of reach. The bit stays; the charge stays where it
		 * was made.
		 */
		atomic_fetch_add(&mapping_pin_lost, refs);
		mm_trace("mapping_unpin_lost", "pfn=%#lx refs=%d", folio_pfn(folio), refs);
	} else {
		struct mapping_pin_bucket b = bucket_of(mapping, index);
		struct mapping_pin_count **pp;

		pthread_mutex_lock(b.lock);
		pp = find(b, mapping, index);
		if (*pp) {
			(*pp)->count -= refs;
			if ((*pp)->count <= 0) {
				struct mapping_pin_count *c = *pp;

				*pp = c->next;
				free(c);
				folio_test_clear_dma_pinned(folio);
			}
		} else {
			atomic_fetch_add(&mapping_pin_lost, refs);
		}
		pthread_mutex_unlock(b.lock);
	}
	folio_put_refs(folio, refs);
}

static bool mapping_maybe_dma_pinned(struct folio *folio)
{
	return __atomic_load_n(&folio->flags, __ATOMIC_SEQ_CST) & BIT(PG_dma_pinned);
}

/* What the mapping's count says for this page: exact while the page stays in it. */
static long mapping_pincount(struct folio *folio)
{
	const void *mapping = READ_ONCE(folio->mapping);
	pgoff_t index = READ_ONCE(folio->index);
	struct mapping_pin_bucket b;
	struct mapping_pin_count **pp;
	long n;

	if (!mapping)
		return mapping_maybe_dma_pinned(folio) ? -1 : 0;
	mapping_pin_sync_boot();
	b = bucket_of(mapping, index);
	pthread_mutex_lock(b.lock);
	pp = find(b, mapping, index);
	n = *pp ? (*pp)->count : 0;
	pthread_mutex_unlock(b.lock);
	return n;
}

static long mapping_pin_refs(struct folio *folio, long pins)
{
	return pins;
}

long mapping_pins_unreturned(void)
{
	return atomic_load(&mapping_pin_lost);
}

static int mapping_enable(void)
{
	return pthread_once(&mapping_pin_once, mapping_pin_init);
}

PIN_TRACKER(330, mapping_tracker) = {
	.name = "mapping",
	.summary = "seed 000 (Dec 2018): counts kept in the page's mapping via page->mapping, plus PageDmaPinned",
	.try_pin = mapping_try_pin,
	.unpin = mapping_unpin,
	.maybe_dma_pinned = mapping_maybe_dma_pinned,
	.pincount = mapping_pincount,
	.pin_refs = mapping_pin_refs,
	.enable = mapping_enable,
	/* One count object per pinned (mapping, index). */
	.bytes_per_pin = sizeof(struct mapping_pin_count),
};

PIN_PRESET(330, mapping_preset) = {
	.name = "mapping",
	.family = PRESET_DESIGN,
	.kernel = NULL,
	.tracker = "mapping",
	.longterm = LONGTERM_MAINLINE,
	.writeback = WB_BOUNCE,
	.summary = "the mapping tracker on the newest release's mm, bounce writeback",
};
