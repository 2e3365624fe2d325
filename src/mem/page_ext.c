/* SPDX-License-Identifier: GPL-2.0-only */
/* The page_ext table: allocated at boot, one entry per pfn (page_ext.h). */
#include <sys/mman.h>
#include <pinmm/mem/memory.h>
#include <pinmm/mem/page_ext.h>

unsigned char *node_page_ext;
size_t page_ext_size;
/* What the client asked for: kept across boots, like a boot parameter. */
static size_t page_ext_client_bytes;
static size_t page_ext_bytes;

static size_t page_ext_stride(size_t client)
{
	return client ? sizeof(struct page_ext) + client : 0;
}

int page_ext_init(void)
{
	size_t stride = page_ext_stride(page_ext_client_bytes);
	void *p;

	if (!stride || node_page_ext)
		return 0;
	/*
	 * Model: the kernel takes it from memblock, committed; an anonymous
	 * mapping is committed as it is touched. page_ext_table_bytes() reports
	 * what the kernel would take.
	 */
	page_ext_bytes = contig_page_data.node_spanned_pages * stride;
	p = mmap(NULL, page_ext_bytes, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		page_ext_bytes = 0;
		return -ENOMEM;
	}
	page_ext_size = stride;
	WRITE_ONCE(node_page_ext, p);
	return 0;
}

void page_ext_exit(void)
{
	if (!node_page_ext)
		return;
	munmap(node_page_ext, page_ext_bytes);
	WRITE_ONCE(node_page_ext, NULL);
	page_ext_size = 0;
	page_ext_bytes = 0;
}

long page_ext_request(size_t bytes)
{
	if (!bytes) {
		/* The running machine keeps its table until it goes down. */
		page_ext_client_bytes = 0;
		return 0;
	}
	if (node_page_ext && page_ext_stride(bytes) != page_ext_size)
		return -EBUSY;
	page_ext_client_bytes = bytes;
	if (mem_initialized()) {
		int ret = page_ext_init();

		if (ret)
			return ret;
	}
	return (long)sizeof(struct page_ext);
}

size_t page_ext_table_bytes(void)
{
	return page_ext_bytes;
}
