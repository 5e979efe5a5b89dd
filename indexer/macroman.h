/* macroman.h - the Mac OS Roman upper half (bytes 0x80-0xFF), both ways.
 *
 * Private to the mojibake repair; the tables live in the generated
 * macroman.c.
 */
#ifndef AWS_MACROMAN_H
#define AWS_MACROMAN_H

/* aws__macroman_upper[b - 0x80] is the code point Mac Roman byte b means. */
extern const unsigned short aws__macroman_upper[128];

/* The same mapping sorted by code point, for binary search. */
typedef struct aws__macroman_rev {
    unsigned short cp;
    unsigned char byte;
} aws__macroman_rev_t;

extern const aws__macroman_rev_t aws__macroman_reverse[128];

#endif /* AWS_MACROMAN_H */
