/* Sparse vector lookup; every offset is checked before use. */
#include <stdio.h>

#include "reader/mssql/page.h"
#include "reader/mssql/sparse.h"

int b2a__sparse_is_vector(const uint8_t *v, size_t n)
{
    return n >= 4 && b2a__rd16(v) == B2A_COMPLEX_SPARSE;
}

int b2a__sparse_check(const uint8_t *v, size_t n, char *why, size_t whylen)
{
    if (!b2a__sparse_is_vector(v, n)) {
        snprintf(why, whylen, "sparse vector of %zu bytes has no sparse header", n);
        return -1;
    }
    size_t cnt = b2a__rd16(v + 2), data = 4 + 4 * cnt, prev = data;
    if (data > n) {
        snprintf(why, whylen, "sparse vector lists %zu columns but has only %zu bytes", cnt, n);
        return -1;
    }
    for (size_t k = 0; k < cnt; k++) {
        size_t end = b2a__rd16(v + 4 + 2 * cnt + 2 * k);
        if (end < prev || end > n) {
            snprintf(why, whylen, "sparse vector entry %zu (column id %u) ends at %zu, outside %zu..%zu", k + 1,
                     b2a__rd16(v + 4 + 2 * k), end, prev, n);
            return -1;
        }
        prev = end;
    }
    return 0;
}

int b2a__sparse_find(const uint8_t *v, size_t n, uint16_t colid, const uint8_t **p, size_t *len)
{
    (void)n; /* bounded by b2a__sparse_check */
    size_t cnt = b2a__rd16(v + 2);
    for (size_t k = 0; k < cnt; k++) {
        if (b2a__rd16(v + 4 + 2 * k) != colid)
            continue;
        size_t start = k ? b2a__rd16(v + 4 + 2 * cnt + 2 * (k - 1)) : 4 + 4 * cnt;
        size_t end = b2a__rd16(v + 4 + 2 * cnt + 2 * k);
        *p = v + start;
        *len = end - start;
        return 1;
    }
    return 0;
}
