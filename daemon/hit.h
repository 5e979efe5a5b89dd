/* hit.h - turn one search result of the shim into SPEC.md's `hit` map.
 *
 * A hit is {id, kind, title, authors, year, section, url, citations, score,
 * snippet, highlights}: the first eight come from the document's stored
 * form, the last three from the shim (Xapian's percentage, the plain-text
 * snippet and its [byte_offset, byte_length] pairs).
 */
#ifndef AWS_DAEMON_HIT_H
#define AWS_DAEMON_HIT_H

#include <msgpack.h>

#include "awx.h"

/* The number of keys in every packed hit. */
#define AWS_HIT_KEYS 11

/* Packs HIT as one map into PK.  Fields missing from the stored form are
 * nil.  Returns 0, -1 when the stored data is not an entry map (the caller
 * reports an internal error), or -2 when packing failed (out of memory). */
int aws_hit_pack(msgpack_packer *pk, const awx_hit_t *hit);

#endif /* AWS_DAEMON_HIT_H */
