#ifndef BAK2AVRO_INSPECT_H
#define BAK2AVRO_INSPECT_H

#include "common.h"
#include "errors.h"

B2A_BEGIN_DECL

/**
 * Look into backup files without starting anything: format (from magic
 * bytes), version, and what is inside where it can be told.
 * On success *json_out is a JSON document to free with b2a_free().
 * On failure *errmsg_out (if not NULL) receives a message to free with b2a_free().
 */
B2A_API int b2a_inspect(const char *const *paths, uint32_t n_paths, char **json_out, char **errmsg_out);

B2A_END_DECL

#endif
