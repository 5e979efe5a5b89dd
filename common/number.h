/* number.h - whole numbers from the command line, checked. */
#ifndef AWS_NUMBER_H
#define AWS_NUMBER_H

/* Parses S, which must be nothing but decimal digits (no sign, no space),
 * as a number from MIN to MAX into *OUT.  Returns 0, or -1 (and leaves *OUT
 * alone) for anything else, including a value too large for any type. */
int aws_parse_uint(const char *s, unsigned min, unsigned max, unsigned *out);

#endif /* AWS_NUMBER_H */
