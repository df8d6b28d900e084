/* Sparse columns: their values live in the sparse vector, a complex
 * variable column (id 5) of an uncompressed record. Layout
 * (OrcaMDF SparseVectorParser.cs; improve.dk "Sparse column storage - the
 * sparse vector"): u16 complex id 5, u16 count, count u16 column ids
 * (syscolpars.colid), count u16 end offsets from the vector's start, then
 * the values back to back in their uncompressed stored form. */
#ifndef B2A_READER_MSSQL_SPARSE_H
#define B2A_READER_MSSQL_SPARSE_H

#include <stddef.h>
#include <stdint.h>

#define B2A_COMPLEX_SPARSE 5

/* 1 when the n bytes at v start like a sparse vector (complex id 5). */
int b2a__sparse_is_vector(const uint8_t *v, size_t n);

/* Check the whole vector: 0, or -1 with the reason in why. */
int b2a__sparse_check(const uint8_t *v, size_t n, char *why, size_t whylen);

/* The value of colid in a checked vector: 1 and its bytes, 0 when the
 * vector does not hold the column (its value is NULL). */
int b2a__sparse_find(const uint8_t *v, size_t n, uint16_t colid, const uint8_t **p, size_t *len);

#endif
