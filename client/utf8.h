/* utf8.h - decode UTF-8 one code point at a time, forgiving bad bytes.
 *
 * Both the JSON writer and the terminal wrapper walk daemon text that may
 * hold invalid sequences (the lists are scraped from the web).  They share
 * this one decoder so that both treat a bad byte the same way: as one
 * replacement character, consuming exactly that byte.
 */
#ifndef AWS_CLIENT_UTF8_H
#define AWS_CLIENT_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define AWS_UTF8_REPLACEMENT 0xFFFDu

/* Decodes the code point starting at S[0] (LEN > 0 bytes available) into
 * *CP and returns how many bytes it used (1-4).  An invalid, overlong,
 * surrogate or truncated sequence yields *CP = AWS_UTF8_REPLACEMENT, *BAD = 1
 * and a length of 1; otherwise *BAD = 0. */
size_t aws_utf8_decode(const char *s, size_t len, uint32_t *cp, int *bad);

/* Terminal columns a code point takes: 0 for combining marks and controls,
 * 2 for East Asian wide and full-width characters, 1 otherwise. */
int aws_utf8_width(uint32_t cp);

#endif /* AWS_CLIENT_UTF8_H */
