#ifndef BAK2AVRO_COMMON_H
#define BAK2AVRO_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(B2A_BUILDING_LIBRARY) && defined(__GNUC__)
#define B2A_API __attribute__((visibility("default")))
#else
#define B2A_API
#endif

#if defined(__GNUC__)
#define B2A_DEPRECATED __attribute__((deprecated))
#else
#define B2A_DEPRECATED
#endif

#ifdef __cplusplus
#define B2A_BEGIN_DECL extern "C" {
#define B2A_END_DECL }
#else
#define B2A_BEGIN_DECL
#define B2A_END_DECL
#endif

B2A_BEGIN_DECL

/** Free memory the library returned to the caller (JSON documents, strings). NULL is fine. */
B2A_API void b2a_free(void *ptr);

B2A_END_DECL

#endif
