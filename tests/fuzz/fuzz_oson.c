/* libFuzzer target: the OSON decoder (the JSON type's binary form, oson.h)
 * on one image, as the Oracle readers hand it a JSON column's value. */
#include <stdlib.h>

#include "fuzz_common.h"
#include "reader/oracle/oson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *out = NULL;
    size_t cap = 0, len = 0;
    const char *why;
    b2a__oson_to_json(data, size, &out, &cap, &len, &why);
    free(out);
    return 0;
}
