/* json.h - write a msgpack value as one JSON document (awsearch --json).
 *
 * The client prints the daemon's result map exactly as received, so
 * scripts see the same keys in the same order the daemon sent them.  The
 * writer never fails on odd input: invalid UTF-8 becomes U+FFFD, control
 * characters are escaped, non-finite floats and extension values become
 * null, and non-string map keys are written as strings.
 */
#ifndef AWS_CLIENT_JSON_H
#define AWS_CLIENT_JSON_H

#include <stdio.h>

#include <msgpack.h>

/* Writes OBJ to OUT as compact JSON (no trailing newline).  Output errors
 * are left on OUT for the caller to check with ferror. */
void aws_json_write(FILE *out, const msgpack_object *obj);

/* Writes LEN bytes of S to OUT as a JSON string literal, quotes included. */
void aws_json_write_string(FILE *out, const char *s, size_t len);

#endif /* AWS_CLIENT_JSON_H */
