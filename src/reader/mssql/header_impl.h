/* Building the b2a_bak_header (pagestore.c calls this once at open). */
#ifndef B2A_READER_MSSQL_HEADER_IMPL_H
#define B2A_READER_MSSQL_HEADER_IMPL_H

#include "core/error.h"
#include "reader/mssql/header.h"
#include "reader/mssql/mtf.h"
#include "reader/mssql/pagestore.h"

/* Fill h from the descriptor blocks of each family (infos[i] of paths[i])
 * and from the boot page (1:9) when the page store holds it. */
int b2a__bak_header_build(b2a_bak_header *h, const b2a_mtf_info *const *infos,
                          const char *const *paths, const int *compressed, size_t n,
                          b2a_bak_pages *pages, b2a_err *err);
void b2a__bak_header_clear(b2a_bak_header *h);

#endif
