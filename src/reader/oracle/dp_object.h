/* Object columns of a Data Pump dump. The row holds an object column as a
 * one-byte null indicator, and its attributes as hidden columns after it
 * (STRMTABLE_T names them in ATTRNAME: "ADDR"."STREET"). An object of
 * scalar attributes is written as a JSON object of them (as JSON_OBJECT
 * would, avro-type-mapping.md §4.3), an MDSYS.SDO_GEOMETRY point as WKT
 * (as SDO_UTIL.TO_WKTGEOMETRY). */
#ifndef B2A_READER_ORACLE_DP_OBJECT_H
#define B2A_READER_ORACLE_DP_OBJECT_H

#include <stddef.h>
#include <stdint.h>
#include "reader/oracle/oraconv.h"

/* One attribute: its name within the object ("STREET", "SDO_POINT.X"), its
 * Oracle type and, for text, its character set id. */
typedef struct b2a_dpobj_attr {
    const char *name;
    int type, cs;
} b2a_dpobj_attr;

/* 1 for "MDSYS"."SDO_GEOMETRY" (the type's owner and name). */
int b2a__dpobj_is_sdo(const char *owner, const char *name);

/* Whether values of an object with these attributes are decoded: NULL, or
 * why not (static text naming the attribute's problem; *bad is its index). */
const char *b2a__dpobj_check(int sdo, const b2a_dpobj_attr *attrs, size_t n, size_t *bad);

/* The text of one object value from its attributes' cells (in data) into
 * *buf (grown as needed; *len its length). 0, -1 on OOM, or 1 for a value
 * not decoded, *why saying which (static text). */
int b2a__dpobj_text(int sdo, const b2a_dpobj_attr *attrs, size_t n, const uint8_t *data, const b2a_oracell *cells,
                    char **buf, size_t *len, size_t *cap, const char **why);

#endif
