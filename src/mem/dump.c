/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dump_page(): the fields a kernel developer reads first in a bad-page splat.
 */
#include <string.h>
#include <pinmm/mem/memory.h>

const char *const pageflag_names[__NR_PAGEFLAGS] = {
	[PG_locked] = "locked", [PG_writeback] = "writeback",
	[PG_referenced] = "referenced", [PG_uptodate] = "uptodate",
	[PG_dirty] = "dirty", [PG_lru] = "lru", [PG_head] = "head",
	[PG_waiters] = "waiters", [PG_active] = "active",
	[PG_workingset] = "workingset", [PG_owner_priv_1] = "owner_priv_1",
	[PG_reserved] = "reserved", [PG_private] = "private",
	[PG_private_2] = "private_2", [PG_mappedtodisk] = "mappedtodisk",
	[PG_reclaim] = "reclaim", [PG_swapbacked] = "swapbacked",
	[PG_unevictable] = "unevictable", [PG_mlocked] = "mlocked",
	[PG_anon_exclusive] = "anon_exclusive", [PG_swapcache] = "swapcache", [PG_dma_pinned] = "dma_pinned",
};

int format_page_flags(char *buf, size_t len, unsigned long flags)
{
	size_t off = 0;
	int n = snprintf(buf, len, "%#lx(", flags & PAGE_FLAGS_MASK);

	if (n < 0 || (size_t)n >= len)
		return n;
	off = (size_t)n;
	for (int i = 0; i < __NR_PAGEFLAGS; i++) {
		if (!(flags & BIT(i)))
			continue;
		n = snprintf(buf + off, len - off, "%s%s",
			     buf[off - 1] == '(' ? "" : "|", pageflag_names[i]);
		if (n < 0 || (size_t)n >= len - off)
			return (int)(off + (size_t)(n < 0 ? 0 : n));
		off += (size_t)n;
	}
	n = snprintf(buf + off, len - off, ")");
	return (int)(off + (size_t)(n < 0 ? 0 : n));
}

int dump_page_str(char *buf, size_t len, const struct page *page, const char *reason)
{
	struct folio *folio = page_folio(page);
	unsigned long mapping = (unsigned long)READ_ONCE(folio->mapping);
	char flags[256];
	size_t off = 0;
	int n;

#define EMIT(...)								\
	do {									\
		n = snprintf(buf + off, off < len ? len - off : 0, __VA_ARGS__);	\
		if (n > 0)							\
			off += (size_t)n;					\
	} while (0)

	/*
	 * As __dump_folio(): the index is the folio's plus this page's offset
	 * in it (a tail page's own ->index means nothing), and the mapping is
	 * folio_mapping()'s, NULL for anon (PAGE_MAPPING_FLAGS set).
	 */
	EMIT("page:%p refcount:%d mapcount:%d mapping:%p index:%#lx pfn:%#lx\n",
	     (const void *)page, folio_ref_count(folio),
	     page_mapcount_raw(page) + 1 + folio_entire_mapcount(folio),
	     (void *)(mapping & PAGE_MAPPING_FLAGS ? 0 : mapping),
	     READ_ONCE(folio->index) + folio_page_idx(folio, page), page_to_pfn(page));
	if (folio_test_large(folio))
		EMIT("head:%p order:%u entire_mapcount:%d nr_pages_mapped:%d pincount:%d\n",
		     (void *)folio, folio_order(folio), folio_entire_mapcount(folio),
		     atomic_load(&folio->_nr_pages_mapped), atomic_load(&folio->_pincount));
	if (mapping & PAGE_MAPPING_ANON)
		EMIT("anon ");
	else if (mapping)
		EMIT("aops mapping ");
	format_page_flags(flags, sizeof(flags), READ_ONCE(folio->flags));
	EMIT("flags: %s zone:%s\n", flags, page_zone(page)->name ? page_zone(page)->name : "?");
	EMIT("raw: %016lx %016lx %016lx %016lx\n", READ_ONCE(page->flags),
	     (unsigned long)page->lru.next, (unsigned long)page->lru.prev,
	     (unsigned long)page->mapping);
	EMIT("raw: %016lx %016lx %08x%08x %016lx\n", page->index, page->private,
	     (unsigned int)page_ref_count(page), (unsigned int)page_mapcount_raw(page),
	     page->memcg_data);
	if (reason)
		EMIT("page dumped because: %s\n", reason);
#undef EMIT
	return (int)off;
}

void dump_page_to(FILE *f, const struct page *page, const char *reason)
{
	char buf[1024];

	dump_page_str(buf, sizeof(buf), page, reason);
	fputs(buf, f);
}

void dump_page(const struct page *page, const char *reason)
{
	dump_page_to(stderr, page, reason);
}
