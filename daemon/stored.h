/* stored.h - read fields of an entry's stored form (docs/stored-form.md).
 *
 * The indexer writes every document's data as one msgpack map; the daemon
 * only reads it.  These helpers look a field up and give it back typed, so
 * that hits, `get` and `cite` agree on what a missing or nil field means.
 * Nothing here allocates: strings point into the unpacked object.
 */
#ifndef AWS_DAEMON_STORED_H
#define AWS_DAEMON_STORED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

/* Unpacks DATA/LEN into RESULT (which the caller destroys with
 * msgpack_unpacked_destroy) and checks that it is one whole map.  Returns
 * 0, or -1 when the bytes are not a stored entry. */
int aws_stored_unpack(const void *data, size_t len, msgpack_unpacked *result);

/* The string field KEY of ENTRY: *S and *LEN point into ENTRY.  Returns false
 * when the field is missing, nil or not a string. */
bool aws_stored_str(const msgpack_object *entry, const char *key,
                    const char **s, size_t *len);

/* The integer field KEY of ENTRY; false when missing, nil or no integer. */
bool aws_stored_int(const msgpack_object *entry, const char *key, int64_t *out);

/* The array field KEY of ENTRY, or NULL when missing or not an array. */
const msgpack_object_array *aws_stored_array(const msgpack_object *entry,
                                             const char *key);

#endif /* AWS_DAEMON_STORED_H */
