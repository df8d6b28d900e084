#ifndef BAK2AVRO_TYPES_H
#define BAK2AVRO_TYPES_H

#include "common.h"

/** A library context: the loop jobs run on, and the jobs themselves. */
typedef struct b2a_ctx b2a_ctx;
/** One job: a backup turned into Avro files. */
typedef struct b2a_job b2a_job;

#endif
