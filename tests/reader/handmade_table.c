#include "handmade_table.h"

#include <stdlib.h>
#include <string.h>

#include "reader/mssql/types.h"

int hm_table_make(hm_table *T, const hm_col *c, size_t n)
{
    return hm_table_make_cmpr(T, c, n, 0);
}

int hm_table_make_cmpr(hm_table *T, const hm_col *c, size_t n, int cmprlevel)
{
    memset(T, 0, sizeof *T);
    T->t.def.schema = "dbo";
    T->t.def.name = "T";
    T->t.def.columns = T->cols;
    T->t.def.ncolumns = n;
    T->t.types = T->ty;
    T->t.colids = T->colids;
    T->t.colflags = T->flags;
    T->t.nrowsets = 1;
    T->t.rowsets = &T->rs;
    T->rs.phys = T->ph;
    T->rs.cmprlevel = cmprlevel;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        T->ty[i] = (b2a_mtype){ c[i].xtype, c[i].length, c[i].prec, c[i].scale, 1252 };
        T->colids[i] = (uint16_t)(i + 1);
        T->flags[i] = c[i].sparse ? B2A_MCOL_SPARSE : 0;
        T->cols[i].name = (char *)(c[i].name ? c[i].name : "c");
        if (b2a__mtype_describe(&T->ty[i], NULL, &T->cols[i]) < 0)
            rc = -1;
        T->cols[i].nullable = 1;
        if (c[i].sparse || (!c[i].leaf && !cmprlevel))
            continue;
        b2a_mphys *ph = &T->ph[T->rs.nphys++];
        ph->colid = (uint16_t)(i + 1);
        ph->nullbit = (uint16_t)(i + 1);
        ph->leaf_off = c[i].leaf;
        ph->bitpos = c[i].bitpos;
    }
    return rc;
}

void hm_table_free(hm_table *T)
{
    for (size_t i = 0; i < T->t.def.ncolumns; i++) {
        free(T->cols[i].source_type);
        free(T->cols[i].note);
    }
}
