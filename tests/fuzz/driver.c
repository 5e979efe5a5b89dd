/* driver.c - run a libFuzzer target over files, without libFuzzer.
 *
 * Built when the compiler has no -fsanitize=fuzzer (or AWS_FUZZ is off):
 * each argument is a file whose bytes go through LLVMFuzzerTestOneInput
 * once; with no argument, standard input does.  This lets CTest replay the
 * corpus (and any crash file) in every build, sanitizers included.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_stream(FILE *f, const char *name)
{
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    if (buf == NULL) {
        fprintf(stderr, "driver: out of memory reading %s\n", name);
        return 1;
    }
    for (;;) {
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                fprintf(stderr, "driver: out of memory reading %s\n", name);
                return 1;
            }
            buf = nb;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        if (n == 0)
            break;
        len += n;
    }
    if (ferror(f)) {
        fprintf(stderr, "driver: cannot read %s\n", name);
        free(buf);
        return 1;
    }
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return run_stream(stdin, "<stdin>");
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (f == NULL) {
            fprintf(stderr, "driver: cannot open %s\n", argv[i]);
            rc = 1;
            continue;
        }
        rc |= run_stream(f, argv[i]);
        fclose(f);
    }
    printf("driver: ran %d input(s)\n", argc - 1);
    return rc;
}
