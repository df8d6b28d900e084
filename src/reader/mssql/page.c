/* Slot-array access with bounds checks. */
#include "reader/mssql/page.h"

int b2a__page_record(const uint8_t *pg, unsigned i, const uint8_t **rec, size_t *maxlen)
{
    unsigned n = b2a__page_slots(pg);
    /* The slot array grows down from the end; it may not reach the header. */
    if (i >= n || (size_t)n * 2 > B2A_PG_SIZE - B2A_PG_HDR)
        return -1;
    uint16_t off = b2a__rd16(pg + B2A_PG_SIZE - 2 - 2 * i);
    if (off == 0)
        return 1;
    size_t end = B2A_PG_SIZE - 2 * (size_t)n;
    if (off < B2A_PG_HDR || off + 4u > end)
        return -1;
    *rec = pg + off;
    *maxlen = end - off;
    return 0;
}
