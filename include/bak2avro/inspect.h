#ifndef BAK2AVRO_INSPECT_H
#define BAK2AVRO_INSPECT_H

#include "common.h"
#include "errors.h"

B2A_BEGIN_DECL

/**
 * Look into backup files without starting anything: format (from magic
 * bytes), version, and what is inside where it can be told.
 *
 * Returns B2A_OK only when every input was read whole. An input that cannot
 * be (truncated, half a striped set, missing, foreign) makes the call return
 * that input's negative code (the first such input's), with its message in
 * *errmsg_out (if not NULL), and *json_out still holds the document: each
 * input with what could be read and, for those not read whole, an "error".
 * *json_out is NULL only for B2A_EINVAL and B2A_ENOMEM. Free both with
 * b2a_free().
 */
B2A_API int b2a_inspect(const char *const *paths, uint32_t n_paths, char **json_out, char **errmsg_out);

B2A_END_DECL

#endif
