/* SPDX-License-Identifier: GPL-2.0-only */
/* A DMA device registered over proxy entries (seed 000) reaches the real pfns. */
#include <pinmm/dev/dma.h>
#include <pinmm/pin/proxy.h>
#include "../gup/gup_test.h"

static int setup(void **state)
{
	(void)state;
	return gt_boot(NULL, "proxy");
}

static void test_dma_device_reaches_the_real_pfns(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 4, PROT_READ | PROT_WRITE, 0);
	struct dma_device *dev = dma_device_create("d");
	struct page *pages[4];
	struct dma_mr *mr;
	int err;

	assert_int_equal(pin_user_pages_fast(mm, addr, 4, FOLL_WRITE, pages), 4);
	mr = dma_mr_register_pages(dev, pages, 4, &err);
	assert_non_null(mr);
	for (int i = 0; i < 4; i++)
		assert_int_equal(dma_mr_pfn(mr, i), page_to_pfn(canonical_page(pages[i])));
	assert_int_equal(dma_mr_fill(mr, 0, 0x77, 4 * PAGE_SIZE), 0);
	assert_int_equal(gt_uread(mm, addr + 3 * PAGE_SIZE + 5), 0x77);
	dma_mr_deregister(mr);
	dma_device_destroy(dev);
	unpin_user_pages_dirty_lock(pages, 4, true);
	assert_int_equal(proxy_cache_live(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dma_device_reaches_the_real_pfns, setup, gt_teardown),
	};

	return RUN_TAP(tests, NULL, NULL);
}
