/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The `proxy` tracker: seed 000, Dan Williams (14 December 2018), from Dave
 * Hansen and Dave Chinner's dax-reflink discussion:
 *
 *   "Have get_user_pages() allocate a proxy object that gets passed around to
 *    drivers. Something like a struct page pointer with bit 0 set. This would
 *    add a conditional branch and pointer chase to many page operations, like
 *    page_to_pfn() [...] page->index and page->mapping could be overridden by
 *    similar attributes in the proxy, and allow an N:1 relationship of proxy
 *    instances to actual pages."
 *
 * and Jan Kara's reply: "Or do you really aim at per-pin allocated structure?"
 * This is the per-pin answer. Every FOLL_PIN pin is one struct page_proxy
 * (mem/proxy.h), allocated from a slab-like cache; the pages[] entry GUP hands
 * out for it is the proxy's address with bit 0 set. Nothing is added to
 * struct page: the pin lives in the proxy, each proxy holds one reference on
 * its folio (so the folio cannot be freed, split or migrated under it), and
 * mm finds a folio's pins through a hash of folio to its proxies.
 *
 * Model: the thread does not say how mm would ask "is this page pinned?" of a
 * design whose pins live outside struct page; a hash table keyed by folio is
 * the least it needs. Its cost is one bucket lock per pin and unpin, and a
 * lookup per folio_maybe_dma_pinned() (which reads one counter first and
 * takes the lock only when the bucket holds pins at all). The answer is
 * exact: no false positives from plain references, unlike `bias`.
 *
 * Each of the 1024 locked buckets chains its proxies in a table of its own,
 * by folio, that doubles when it holds twice as many proxies as chains: a
 * lookup looks at the folio's own proxies and a bounded number of others,
 * with 10 pins outstanding or 10 million. (One list per bucket made every
 * check walk pins/1024 proxies: 95% of an 8 GiB `pinmm bench` round.)
 *
 * Two steps, because a pin must be visible before GUP-fast re-reads the PTE
 * but the page it will be handed out for is known only at the fill: try_pin()
 * allocates the folio's proxies ("pinned", not yet handed out) and publishes
 * them; pin_entries() hands them out for pages with their mapping and index.
 * The unpin family gives entries back (put_entries()) and then drops the pins
 * (unpin()), which frees a proxy of that folio that is not handed out. Pins
 * taken through folio-only interfaces (unpin_folio()) simply stay unhanded.
 *
 * Ordering against page_mkclean()/try_to_unmap() is bias's argument: the
 * bucket's pin counter is bumped with a seq_cst RMW after the proxies are on
 * the list and before GUP-fast re-reads the PTE; the checker reads it with a
 * seq_cst load after changing the PTE, and looks at the list (under the lock,
 * which orders it after the RMW it read from) only when it is non-zero.
 */
#include <stdlib.h>
#include <pthread.h>
#include <pinmm/pin/proxy.h>
#include <pinmm/pin/preset.h>

#define PROXY_HASH_BITS		10
#define PROXY_BUCKETS		(1U << PROXY_HASH_BITS)
#define PROXY_SLAB_OBJS		8	/* per bucket: 1024 buckets x 8 x 56 B before any reuse */

enum proxy_state {
	PROXY_FREE,		/* in a bucket's cache */
	PROXY_PINNED,		/* a pin of ->folio, not handed out as a pages[] entry */
	PROXY_HANDED_OUT,	/* a pages[] entry for ->page, with ->mapping and ->index */
};

#define PROXY_CHAINS_MIN	4	/* chains of a bucket's first table */

/*
 * One bucket of the folio hash, and the cache its proxies come from: an
 * object is allocated and freed under the same lock that publishes it, so a
 * pin costs one lock, not two. Its live proxies hang on nchains chains (a
 * power of two) chosen by folio; a proxy stays where it was put while it is
 * handed out and given back (its state says which), so those touch no
 * neighbour: with the table this size, moving one cost a cache miss.
 */
struct proxy_bucket {
	pthread_mutex_t lock;
	struct cds_list_head *chains;	/* NULL until the bucket's first pin */
	unsigned long nchains;
	struct cds_list_head free;	/* the cache */
	long live;			/* objects not free (lock) */
	unsigned long steps;		/* proxies looked at by lookups (lock): proxy_index_steps() */
	atomic_long nr_pins;		/* published pins: 0 lets checks skip the lock */
} __attribute__((aligned(64)));

struct proxy_slab {
	struct proxy_slab *next;
	struct page_proxy obj[PROXY_SLAB_OBJS];
};

static struct proxy_bucket buckets[PROXY_BUCKETS];
static pthread_once_t buckets_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t slab_lock = PTHREAD_MUTEX_INITIALIZER;
static struct proxy_slab *slabs;
static atomic_long nr_slabs;
static atomic_long chain_bytes;
static atomic_ulong fail_nth;

static void buckets_init(void)
{
	for (unsigned int i = 0; i < PROXY_BUCKETS; i++) {
		pthread_mutex_init(&buckets[i].lock, NULL);
		CDS_INIT_LIST_HEAD(&buckets[i].free);
	}
}

/*
 * Fibonacci hashing of the 2 MiB region of the head pfn: the pages of one
 * region share a bucket, and their chains are consecutive in its table, so a
 * run of pins over a range walks the table in order instead of taking a
 * cache miss per page on the chain heads (at 1 GiB pinned, that doubled the
 * cost of a pin). A THP is its region's only folio.
 */
static unsigned long proxy_hash(struct folio *folio)
{
	return (unsigned long)((folio_pfn(folio) >> 9) * 0x9E3779B97F4A7C15ULL);
}

static struct proxy_bucket *folio_bucket(struct folio *folio)
{
	return &buckets[proxy_hash(folio) >> (64 - PROXY_HASH_BITS)];
}

/* b->lock held, b->chains set. @folio's chain: the hash bits below the bucket's. */
static struct cds_list_head *proxy_chain(struct proxy_bucket *b, struct folio *folio)
{
	unsigned long h = proxy_hash(folio) << PROXY_HASH_BITS;

	return &b->chains[((h >> 32) + folio_pfn(folio)) & (b->nchains - 1)];
}

/*
 * b->lock held. Double the table (4 chains at the first pin); on -ENOMEM the
 * old one stays, with longer chains.
 */
static int proxy_chains_grow(struct proxy_bucket *b)
{
	unsigned long oldn = b->nchains, n = oldn ? oldn * 2 : PROXY_CHAINS_MIN;
	struct cds_list_head *old = b->chains, *chains = malloc(n * sizeof(*chains));

	if (!chains)
		return old ? 0 : -ENOMEM;
	for (unsigned long i = 0; i < n; i++)
		CDS_INIT_LIST_HEAD(&chains[i]);
	b->chains = chains;
	b->nchains = n;
	for (unsigned long i = 0; i < oldn; i++) {
		struct page_proxy *p, *tmp;

		cds_list_for_each_entry_safe(p, tmp, &old[i], list)
			cds_list_add_tail(&p->list, proxy_chain(b, p->folio));
	}
	free(old);
	atomic_fetch_add_explicit(&chain_bytes, (long)((n - oldn) * sizeof(*chains)),
				  memory_order_relaxed);
	return 0;
}

void proxy_cache_fail_nth(unsigned long nth)
{
	atomic_store(&fail_nth, nth);
}

static bool proxy_should_fail(void)
{
	unsigned long n = atomic_load_explicit(&fail_nth, memory_order_relaxed);

	while (unlikely(n)) {
		if (atomic_compare_exchange_weak(&fail_nth, &n, n - 1))
			return n == 1;
	}
	return false;
}

/* b->lock held. A new slab for this bucket's cache; -ENOMEM if the host has none. */
static int proxy_cache_grow(struct proxy_bucket *b, unsigned int idx)
{
	struct proxy_slab *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (unsigned int i = 0; i < PROXY_SLAB_OBJS; i++) {
		s->obj[i].cache = (unsigned short)idx;
		cds_list_add_tail(&s->obj[i].list, &b->free);
	}
	pthread_mutex_lock(&slab_lock);
	s->next = slabs;
	slabs = s;
	pthread_mutex_unlock(&slab_lock);
	atomic_fetch_add_explicit(&nr_slabs, 1, memory_order_relaxed);
	return 0;
}

/* b->lock held. */
static struct page_proxy *proxy_alloc(struct proxy_bucket *b)
{
	struct page_proxy *p;

	if (proxy_should_fail())
		return NULL;
	if (cds_list_empty(&b->free) && proxy_cache_grow(b, (unsigned int)(b - buckets)))
		return NULL;
	p = cds_list_first_entry(&b->free, struct page_proxy, list);
	cds_list_del(&p->list);
	b->live++;
	return p;
}

/* b->lock held. */
static void proxy_free(struct proxy_bucket *b, struct page_proxy *p)
{
	p->state = PROXY_FREE;
	p->refs = 0;
	p->mapping = NULL;
	cds_list_move(&p->list, &b->free);
	b->live--;
}

static int proxy_try_pin(struct folio *folio, int refs, unsigned int gup_flags)
{
	struct cds_list_head *chain;
	struct proxy_bucket *b;
	int i;

	if (refs <= 0)
		return -EINVAL;
	/* The proxies' references: the folio cannot be freed under them. */
	if (!folio_ref_try_add(folio, refs))
		return folio_ref_count(folio) <= 0 ? -EAGAIN : -ENOMEM;

	b = folio_bucket(folio);
	pthread_mutex_lock(&b->lock);
	if ((unsigned long)(b->live + refs) > 2 * b->nchains && proxy_chains_grow(b)) {
		pthread_mutex_unlock(&b->lock);
		folio_put_refs(folio, refs);
		return -ENOMEM;
	}
	chain = proxy_chain(b, folio);
	for (i = 0; i < refs; i++) {
		struct page_proxy *p = proxy_alloc(b);

		if (!p)
			break;
		p->folio = folio;
		p->page = &folio->page;
		p->mapping = NULL;
		p->index = 0;
		p->refs = 0;
		p->state = PROXY_PINNED;
		cds_list_add(&p->list, chain);
	}
	if (unlikely(i < refs)) {
		/* All or nothing: GUP reports what it pinned before this folio. */
		while (i--)
			proxy_free(b, cds_list_first_entry(chain, struct page_proxy, list));
		pthread_mutex_unlock(&b->lock);
		folio_put_refs(folio, refs);
		return -ENOMEM;
	}
	pthread_mutex_unlock(&b->lock);
	atomic_fetch_add_explicit(&b->nr_pins, refs, memory_order_seq_cst);
	return 0;
}

static void proxy_unpin(struct folio *folio, int refs)
{
	struct proxy_bucket *b = folio_bucket(folio);
	struct page_proxy *p, *tmp;
	int n = 0;

	pthread_mutex_lock(&b->lock);
	if (b->chains) {
		cds_list_for_each_entry_safe(p, tmp, proxy_chain(b, folio), list) {
			if (n == refs)
				break;
			b->steps++;
			if (p->folio != folio || p->state != PROXY_PINNED)
				continue;
			proxy_free(b, p);
			n++;
		}
	}
	pthread_mutex_unlock(&b->lock);
	if (n)
		atomic_fetch_sub_explicit(&b->nr_pins, n, memory_order_seq_cst);
	/*
	 * More pins dropped than the folio has proxies not handed out: a double
	 * unpin. Model: only the pins that exist go; the kernel would free
	 * proxies it does not own.
	 */
	if (n < refs)
		mm_event(MM_EV_WARN, &folio->page,
			 "proxy: unpin of %d pin(s) of a folio with %d proxies to give back",
			 refs, n);
	if (n)
		folio_put_refs(folio, n);
}

/* Hand out @nr of the folio's pinned proxies, for @page onwards. */
static void proxy_pin_entries(struct page *page, unsigned int nr, struct address_space *mapping,
			      pgoff_t index, struct page **out)
{
	struct folio *folio = page_folio(page);
	struct proxy_bucket *b = folio_bucket(folio);
	struct page_proxy *p, *tmp;
	unsigned int i = 0;

	pthread_mutex_lock(&b->lock);
	if (b->chains) {
		cds_list_for_each_entry_safe(p, tmp, proxy_chain(b, folio), list) {
			if (i == nr)
				break;
			b->steps++;
			if (p->folio != folio || p->state != PROXY_PINNED)
				continue;
			p->state = PROXY_HANDED_OUT;
			p->page = page + i;
			p->mapping = mapping;
			p->index = mapping ? index + i : 0;
			p->refs = 1;
			out[i++] = proxy_to_page_entry(p);
		}
	}
	pthread_mutex_unlock(&b->lock);
	if (likely(i == nr))
		return;
	/* try_pin() made one for every pin GUP takes: this is a GUP bug. */
	mm_event(MM_EV_BUG, page, "proxy: %u of %u pinned proxies of the folio to hand out", i, nr);
	for (; i < nr; i++)
		out[i] = page + i;
}

static int proxy_get_entry(struct page *entry)
{
	struct page_proxy *p = page_to_proxy(entry);
	struct proxy_bucket *b = &buckets[p->cache];
	int ret = 0;

	pthread_mutex_lock(&b->lock);
	if (p->state != PROXY_HANDED_OUT)
		ret = -EINVAL;
	else if (p->refs == INT_MAX)
		ret = -ENOMEM;
	else
		p->refs++;
	pthread_mutex_unlock(&b->lock);
	if (ret == -EINVAL)
		mm_event(MM_EV_WARN, READ_ONCE(p->page),
			 "proxy: ref_user_page() of a proxy already released");
	return ret;
}

/* @nr entries of one folio given back; how many of their pins to drop now. */
static int proxy_put_entries(struct page **entries, unsigned int nr)
{
	struct proxy_bucket *b = &buckets[page_to_proxy(entries[0])->cache];
	struct page *stale = NULL;
	int drops = 0;

	pthread_mutex_lock(&b->lock);
	for (unsigned int i = 0; i < nr; i++) {
		struct page_proxy *p = page_to_proxy(entries[i]);

		if (p->state != PROXY_HANDED_OUT || p->cache != (unsigned short)(b - buckets)) {
			stale = p->page;
			continue;
		}
		if (--p->refs)
			continue;
		/* Back among the folio's pinned proxies, for unpin() to free. */
		p->state = PROXY_PINNED;
		p->mapping = NULL;
		drops++;
	}
	pthread_mutex_unlock(&b->lock);
	/*
	 * Model: a freed proxy keeps its memory in the cache, so a second unpin
	 * is caught here - unless the object was handed out again meanwhile, in
	 * which case it drops someone else's pin, as a use-after-free would.
	 */
	if (stale)
		mm_event(MM_EV_WARN, stale,
			 "proxy: unpin_user_page() of a proxy already released (double unpin)");
	return drops;
}

static bool proxy_maybe_dma_pinned(struct folio *folio)
{
	struct proxy_bucket *b = folio_bucket(folio);
	struct page_proxy *p;
	bool pinned = false;

	if (!atomic_load_explicit(&b->nr_pins, memory_order_seq_cst))
		return false;
	pthread_mutex_lock(&b->lock);
	if (b->chains) {
		cds_list_for_each_entry(p, proxy_chain(b, folio), list) {
			b->steps++;
			if (p->folio == folio) {
				pinned = true;
				break;
			}
		}
	}
	pthread_mutex_unlock(&b->lock);
	return pinned;
}

static long proxy_pincount(struct folio *folio)
{
	struct proxy_bucket *b = folio_bucket(folio);
	struct page_proxy *p;
	long n = 0;

	if (!atomic_load_explicit(&b->nr_pins, memory_order_seq_cst))
		return 0;
	pthread_mutex_lock(&b->lock);
	if (b->chains)
		cds_list_for_each_entry(p, proxy_chain(b, folio), list)
			n += p->folio == folio;
	pthread_mutex_unlock(&b->lock);
	return n;
}

static long proxy_pins_through(struct page *page, struct address_space *mapping)
{
	struct folio *folio = page_folio(page);
	struct proxy_bucket *b;
	struct page_proxy *p;
	long n = 0;

	pthread_once(&buckets_once, buckets_init);
	b = folio_bucket(folio);
	page = canonical_page(page);
	pthread_mutex_lock(&b->lock);
	if (b->chains)
		cds_list_for_each_entry(p, proxy_chain(b, folio), list)
			n += p->state == PROXY_HANDED_OUT && p->page == page && p->mapping == mapping;
	pthread_mutex_unlock(&b->lock);
	return n;
}

long proxy_cache_live(void)
{
	long n = 0;

	pthread_once(&buckets_once, buckets_init);
	for (unsigned int i = 0; i < PROXY_BUCKETS; i++) {
		pthread_mutex_lock(&buckets[i].lock);
		n += buckets[i].live;
		pthread_mutex_unlock(&buckets[i].lock);
	}
	return n;
}

size_t proxy_cache_bytes(void)
{
	return (size_t)atomic_load(&nr_slabs) * sizeof(struct proxy_slab) +
	       (size_t)atomic_load(&chain_bytes);
}

unsigned long proxy_index_steps(void)
{
	unsigned long n = 0;

	pthread_once(&buckets_once, buckets_init);
	for (unsigned int i = 0; i < PROXY_BUCKETS; i++) {
		pthread_mutex_lock(&buckets[i].lock);
		n += buckets[i].steps;
		pthread_mutex_unlock(&buckets[i].lock);
	}
	return n;
}

static int proxy_enable(void)
{
	pthread_once(&buckets_once, buckets_init);
	return 0;
}

/*
 * Nothing is pinned (pin_tracker_set() checked): give the slabs back, unless
 * a proxy leaked (a pin never released), whose memory must stay valid.
 */
static void proxy_disable(void)
{
	struct proxy_slab *s;

	if (proxy_cache_live())
		return;
	for (unsigned int i = 0; i < PROXY_BUCKETS; i++) {
		struct proxy_bucket *b = &buckets[i];

		pthread_mutex_lock(&b->lock);
		CDS_INIT_LIST_HEAD(&b->free);
		free(b->chains);
		b->chains = NULL;
		b->nchains = 0;
		pthread_mutex_unlock(&b->lock);
	}
	atomic_store(&chain_bytes, 0);
	pthread_mutex_lock(&slab_lock);
	while ((s = slabs)) {
		slabs = s->next;
		free(s);
	}
	pthread_mutex_unlock(&slab_lock);
	atomic_store(&nr_slabs, 0);
}

PIN_TRACKER(60, proxy_tracker) = {
	.name = "proxy",
	.summary = "seed 000: a proxy object per pin behind a tagged page pointer (bit 0), found through a folio hash",
	.try_pin = proxy_try_pin,
	.unpin = proxy_unpin,
	.maybe_dma_pinned = proxy_maybe_dma_pinned,
	.pincount = proxy_pincount,
	.pin_entries = proxy_pin_entries,
	.get_entry = proxy_get_entry,
	.put_entries = proxy_put_entries,
	.pins_through = proxy_pins_through,
	.enable = proxy_enable,
	.disable = proxy_disable,
	.bytes_per_pin = sizeof(struct page_proxy),
};

PIN_PRESET(260, proxy_preset) = {
	.name = "proxy",
	.family = PRESET_DESIGN,
	.kernel = NULL,
	.tracker = "proxy",
	.longterm = LONGTERM_MAINLINE,
	.writeback = WB_BOUNCE,
	.summary = "seed 000's per-pin proxy objects on the current mm, bounce writeback",
};
