/* Slot-array access with bounds checks (the body is in page.h, inline). */
#include "reader/mssql/page.h"

int b2a__page_record(const uint8_t *pg, unsigned i, const uint8_t **rec, size_t *maxlen)
{
    return b2a__page_record_inline(pg, i, rec, maxlen);
}
