/* The previous XPRESS decoder, the reference for test_xpress_agree.c. */
#ifndef B2A_TEST_XPRESS_REF_H
#define B2A_TEST_XPRESS_REF_H

#include "reader/mssql/xpress.h"

/* Same contract as b2a__xpress_decode. */
int b2a__xpress_ref_decode(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
                           int stop_at_cap, size_t *out_len, b2a_xpress_fail *fail);

#endif
