/* SPDX-License-Identifier: MIT */
/* The main() every CUnit program here shares: register the suites, run them
 * verbosely, exit nonzero if any test or suite set-up failed. */
#ifndef ETHDL_CUNIT_MAIN_H
#define ETHDL_CUNIT_MAIN_H

#include <CUnit/Basic.h>

static inline int cunit_run(CU_SuiteInfo *suites)
{
	int ret;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	ret = CU_get_number_of_failures() != 0 || CU_get_number_of_suites_failed() != 0;
	CU_cleanup_registry();
	return ret;
}

#endif
