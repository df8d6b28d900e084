/* libFuzzer target: the MTF descriptor stream parser as the MSSQLBAK reader
 * feeds it (decompressed chunks, in memory). The input is split into two
 * chunks at a point its last byte chooses, so state carried between chunks
 * (a block's stream chain cut at a chunk's end) is exercised too. */
#include "fuzz_common.h"

#include "reader/mssql/mtf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t len = size - 1;
    size_t cut = len * data[size - 1] / 255;
    b2a_mtf_info info = { 0 };
    b2a_mtf_chunkstate st = { 0 };
    b2a_err err;
    if (b2a__mtf_parse_chunk(data, cut, "fuzz", &info, &st, &err) == 0)
        b2a__mtf_parse_chunk(data + cut, len - cut, "fuzz", &info, &st, &err);
    b2a__mtf_info_clear(&info);
    return 0;
}
