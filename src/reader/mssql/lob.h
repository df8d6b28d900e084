/* Off-row values: text/ntext/image through 16-byte text pointers, and
 * (max)/row-overflow values through in-row roots. The whole value is
 * appended to an mbuf; trees are depth- and size-bounded. */
#ifndef B2A_READER_MSSQL_LOB_H
#define B2A_READER_MSSQL_LOB_H

#include <stddef.h>
#include <stdint.h>
#include "core/error.h"
#include "reader/mssql/pagestore.h"
#include "reader/mssql/types.h"

/* Largest value we assemble in memory (SQL Server's own limit is 2 GB). */
#define B2A_LOB_MAX ((size_t)1 << 31)

/* 16-byte text pointer (timestamp u64, page u32, file u16, slot u16):
 * append the value it points at to out. */
int b2a__lob_textptr(b2a_bak_pages *ps, const uint8_t *ptr, size_t n, b2a_mbuf *out, b2a_err *err);

/* A complex variable column of a (max) or row-overflow value (its first
 * byte says which: 2 row-overflow pointer, 4 BLOB inline root): append the
 * value to out. B2A_EUNSUPPORTED for other complex columns (sparse vector). */
int b2a__lob_complex(b2a_bak_pages *ps, const uint8_t *p, size_t n, b2a_mbuf *out, b2a_err *err);

/* Exposed for tests: read the LOB node at (file:page:slot) and append its
 * data to out; want is the node's length as its parent knows it (or
 * SIZE_MAX when unknown). */
int b2a__lob_node(b2a_bak_pages *ps, uint16_t file, uint32_t page, uint16_t slot, size_t want,
                  unsigned depth, b2a_mbuf *out, b2a_err *err);

#endif
