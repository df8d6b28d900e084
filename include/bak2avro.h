/* libbak2avro: database backups to Apache Avro files.
 * Umbrella header: include this one, it pulls in the rest. */
#ifndef BAK2AVRO_H
#define BAK2AVRO_H

#include "bak2avro/common.h"
#include "bak2avro/version.h"
#include "bak2avro/types.h"
#include "bak2avro/errors.h"
#include "bak2avro/ctx.h"
#include "bak2avro/job.h"
#include "bak2avro/inspect.h"
#include "bak2avro/gc.h"
#include "bak2avro/source.h"
#include "bak2avro/export.h"
#include "bak2avro/container.h"
#include "bak2avro/restore.h"

#endif
