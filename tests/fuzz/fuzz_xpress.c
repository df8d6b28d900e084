/* libFuzzer target: the XPRESS Huffman (MS-XCA) decoder of compressed
 * backups, into a 64 KiB buffer as the MSSQLBAK reader uses it, both
 * whole, as a peek that stops at a small cap, and paused and resumed page
 * by page as the page cache decodes extents. The table-free peek
 * (b2a__xpress_peek) must give the full decoder's bytes wherever it
 * answers: a difference aborts. */
#include "fuzz_common.h"

#include <stdlib.h>
#include <string.h>

#include "reader/mssql/xpress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* each decode into exactly out_cap malloc'd bytes: a write past the cap
     * is an ASan error, not a silent store into slack */
    enum { CAP = 65536, PEEK = 96 };
    size_t got;
    b2a_xpress_fail fail;
    if (size >= 256)
        b2a__xpress_table_ok(data);
    uint8_t *out = malloc(CAP), *peek = malloc(PEEK);
    if (!out || !peek)
        abort();
    b2a__xpress_decode(data, size, out, CAP, 0, &got, &fail);
    int rc = b2a__xpress_decode(data, size, peek, PEEK, 1, &got, &fail);
    uint8_t cheap[PEEK];
    if (b2a__xpress_peek(data, size, cheap, PEEK) &&
        (rc != 0 || got != PEEK || memcmp(cheap, peek, PEEK) != 0))
        abort();
    b2a_xpress_resume rs;
    memset(&rs, 0, sizeof rs);
    size_t until = 0;
    while (!rs.done && until < CAP) {
        until += 8192;
        if (b2a__xpress_decode_until(data, size, out, CAP, until, &rs, &got, &fail) != 0)
            break;
    }
    free(out), free(peek);
    return 0;
}
