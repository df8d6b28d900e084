/* SQL Server over ODBC: catalog introspection (sys.* views) mapped with the
 * direct reader's own type mapping, export expressions, and finding an
 * installed driver. */
#ifndef B2A_ODBC_INTROSPECT_SQLSERVER_H
#define B2A_ODBC_INTROSPECT_SQLSERVER_H

#include "odbc/introspect.h"

/* Fill col (source_type, vtype, precision, scale, note) for a column as
 * sys.columns/sys.types describe it: the direct reader's own mapping
 * (b2a__mtype_describe, avro-type-mapping.md §4.2), xml as text,
 * hierarchyid as ToString() and geometry/geography as WKT (STAsText()) on
 * both paths. 0, or -1 on out of memory. */
int b2a__sqlserver_map_column(int system_type_id, int user_type_id, const char *type_name,
                              int max_length, int precision, int scale, b2a_column *col);

int b2a__introspect_sqlserver(b2a_odbc_conn *c, const b2a_introspect_opts *o,
                              b2a_odbc_table **out, size_t *n, b2a_err *err);
/* The SELECT-list expression for col; qname is its quoted name. malloc'd. */
char *b2a__select_expr_sqlserver(const b2a_column *col, const char *qname);

#endif
