/* bibtex.h - a BibTeX record for one entry, from its stored form.
 *
 * Papers become @article records with arXiv's eprint fields; repositories
 * and links become @misc records with the URL.  The key is stable across
 * runs and machines: the first author's last name, the year and the first
 * significant title word, in lower-case ASCII (`ye2024spactor`).
 */
#ifndef AWS_DAEMON_BIBTEX_H
#define AWS_DAEMON_BIBTEX_H

#include <msgpack.h>

/* Builds the record of ENTRY (a stored-form map).  On success *KEY and
 * *TEXT are malloc'd strings the caller frees; TEXT ends with a newline.
 * Returns 0, or -1 when out of memory. */
int aws_bibtex_format(const msgpack_object *entry, char **key, char **text);

#endif /* AWS_DAEMON_BIBTEX_H */
