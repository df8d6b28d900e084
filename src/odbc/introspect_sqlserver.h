/* SQL Server over ODBC: catalog introspection (sys.* views) mapped with the
 * direct reader's own type mapping, export expressions, and finding an
 * installed driver. */
#ifndef B2A_ODBC_INTROSPECT_SQLSERVER_H
#define B2A_ODBC_INTROSPECT_SQLSERVER_H

#include "odbc/introspect.h"

/* Fill col (source_type, vtype, precision, scale, note) for a column as
 * sys.columns/sys.types describe it. The mapping is the direct reader's
 * (b2a__mtype_describe, avro-type-mapping.md §4.2) except where the server
 * can do what the reader cannot: xml as text, hierarchyid as ToString(),
 * geometry/geography as WKT (STAsText()). 0, or -1 on out of memory. */
int b2a__sqlserver_map_column(int system_type_id, int user_type_id, const char *type_name,
                              int max_length, int precision, int scale, b2a_column *col);

/* 1 when the reader maps this type differently on purpose (see above). */
int b2a__sqlserver_type_differs_from_reader(int system_type_id, int user_type_id);

int b2a__introspect_sqlserver(b2a_odbc_conn *c, const b2a_introspect_opts *o,
                              b2a_odbc_table **out, size_t *n, b2a_err *err);
/* The SELECT-list expression for col; qname is its quoted name. malloc'd. */
char *b2a__select_expr_sqlserver(const b2a_column *col, const char *qname);

#endif
