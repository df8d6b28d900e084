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

/* Classic exp writes an object column's value as Oracle's pickled image:
 * a flags byte (0x80: 8.1 image; 0x08 a collection; 0x04 no prefix
 * segment), version 1, the image's length (one byte, or 0xFE and u32
 * big-endian), then every attribute flattened in order (an embedded
 * object's too), each a length byte (0xFF NULL, 0xFE and u32) and its
 * bytes. The n attributes' cells (offsets from data) go to cells; the image
 * is img = data + off, len bytes, used exactly. 0, or 1 with *why. An
 * embedded SDO_POINT that is NULL (0xFD) makes X, Y and Z NULL. */
int b2a__dpobj_unpickle(int sdo, const uint8_t *data, size_t off, size_t len, size_t n, b2a_oracell *cells,
                        const char **why);

/* The attributes of MDSYS.SDO_GEOMETRY, flattened, as exp's pickled images
 * and Data Pump's hidden columns hold them. */
extern const b2a_dpobj_attr b2a__dpobj_sdo_attrs[7];

#endif
