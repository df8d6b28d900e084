#ifndef BAK2AVRO_ERRORS_H
#define BAK2AVRO_ERRORS_H

#include "common.h"

B2A_BEGIN_DECL

/** Return codes. Appended only, never renumbered. */
typedef enum b2a_error_code {
    B2A_OK = 0,
    B2A_EINVAL = -1,       /**< bad argument or options */
    B2A_ENOMEM = -2,       /**< out of memory */
    B2A_ENOTFOUND = -3,    /**< file, image, table or driver not found */
    B2A_EUNSUPPORTED = -4, /**< a format or feature this build cannot handle */
    B2A_EDOCKER = -5,      /**< the Docker engine failed or refused */
    B2A_EODBC = -6,        /**< an ODBC call failed (see SQLSTATE) */
    B2A_EFORMAT = -7,      /**< malformed, truncated or foreign input */
    B2A_ECANCELED = -8,    /**< the job was canceled */
    B2A_EUSER = -9,        /**< a user callback asked to stop */
    B2A_EIO = -10,         /**< reading or writing a file failed */
    B2A_ERESTORE = -11,    /**< the vendor's restore tool failed */
    B2A_ETIMEOUT = -12,    /**< a bounded wait ran out */
    B2A_EMISMATCH = -13,   /**< rows written differ from rows counted */
    B2A_EBUSY = -14,       /**< the handle is in the wrong state for this call */
    B2A_EFAILED = -100,    /**< this table or step failed, the job went on */
    B2A_EFATAL = -101      /**< the job is dead */
} b2a_error_code;

/** Where an error came from. */
typedef enum b2a_error_class {
    B2A_ERRCLASS_NONE = 0,
    B2A_ERRCLASS_OS = 1,
    B2A_ERRCLASS_DOCKER = 2,
    B2A_ERRCLASS_ODBC = 3,
    B2A_ERRCLASS_AVRO = 4,
    B2A_ERRCLASS_READER = 5,
    B2A_ERRCLASS_IO = 6,
    B2A_ERRCLASS_RESTORE = 7,
    B2A_ERRCLASS_USAGE = 8
} b2a_error_class;

/** Static text for a code, never NULL. */
B2A_API const char *b2a_strerror(int code);

B2A_END_DECL

#endif
