/* libFuzzer target: the XPRESS Huffman (MS-XCA) decoder of compressed
 * backups, into a 64 KiB buffer as the MSSQLBAK reader uses it, both
 * whole and as a peek that stops at a small cap. */
#include "fuzz_common.h"

#include "reader/mssql/xpress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[65536];
    size_t got;
    b2a_xpress_fail fail;
    if (size >= 256)
        b2a__xpress_table_ok(data);
    b2a__xpress_decode(data, size, out, sizeof(out), 0, &got, &fail);
    b2a__xpress_decode(data, size, out, 96, 1, &got, &fail);
    return 0;
}
