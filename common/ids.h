/* ids.h - recognise and normalise entry ids (arXiv ids, GitHub repos).
 *
 * Shared by the list parser (which makes ids), the daemon (which looks
 * them up from whatever a user typed) and the client.  Pure functions, no
 * allocation.
 */
#ifndef AWS_IDS_H
#define AWS_IDS_H

#include <stddef.h>

/* Room for any id these functions write, NUL included. */
#define AWS_ID_MAX 256

/* Finds an arXiv id as written anywhere in S[0..LEN) (2401.04088v2,
 * arXiv:2401.04088, https://arxiv.org/abs/2401.04088v1,
 * http://arxiv.org/pdf/2401.04088v1.pdf, hep-th/9901001v2) and writes it
 * without version into OUT.  S must be the id or URL alone, surrounding
 * white space allowed.  Returns 0, or -1 when S is no arXiv id or URL. */
int aws_arxiv_id_parse(const char *s, size_t len, char out[AWS_ID_MAX]);

/* The year an arXiv id was submitted in (2401.13160 -> 2024,
 * hep-th/9901001 -> 1999), or 0 when ID is not a normalised arXiv id. */
int aws_arxiv_id_year(const char *id);

/* When URL is https://github.com/OWNER/NAME (any scheme, www., trailing
 * slash, ".git", "/tree/...", "/blob/..." or an odd tail such as "/."),
 * writes "owner/name" lower-cased into OUT and returns 0; else -1. */
int aws_github_repo_parse(const char *url, size_t len, char out[AWS_ID_MAX]);

/* Normalises a user-supplied id for lookup: an arXiv id or URL becomes the
 * bare arXiv id, a GitHub URL or "Owner/Name" becomes "owner/name", anything
 * else is copied with surrounding white space removed.  Returns 0, or -1 when
 * the result does not fit. */
int aws_id_normalise(const char *s, char out[AWS_ID_MAX]);

#endif /* AWS_IDS_H */
