/* The list of direct readers, asked in order by magic bytes. */
#include "reader/reader.h"

#include <stddef.h>

static const b2a_reader_ops *const readers[] = {
    &b2a__reader_mssql_bak,
    &b2a__reader_oracle_exp,
    &b2a__reader_oracle_datapump,
};

const b2a_reader_split_ops *b2a__reader_split(const b2a_reader_ops *ops)
{
    return ops == &b2a__reader_mssql_bak             ? &b2a__reader_mssql_bak_split
           : ops == &b2a__reader_oracle_exp          ? &b2a__reader_oracle_exp_split
           : ops == &b2a__reader_oracle_datapump     ? &b2a__reader_oracle_datapump_split
                                                     : NULL;
}

const b2a_reader_ops *b2a__reader_for(const struct b2a_detected *d)
{
    for (size_t i = 0; i < sizeof(readers) / sizeof(readers[0]); i++)
        if (readers[i]->probe(d))
            return readers[i];
    return NULL;
}
