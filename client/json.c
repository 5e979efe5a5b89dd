/* json.c - write a msgpack value as one JSON document (awsearch --json). */
#include "json.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "utf8.h"

void aws_json_write_string(FILE *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0;

    putc('"', out);
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            switch (c) {
            case '"': fputs("\\\"", out); break;
            case '\\': fputs("\\\\", out); break;
            case '\b': fputs("\\b", out); break;
            case '\f': fputs("\\f", out); break;
            case '\n': fputs("\\n", out); break;
            case '\r': fputs("\\r", out); break;
            case '\t': fputs("\\t", out); break;
            default:
                if (c < 0x20 || c == 0x7F) {
                    fputs("\\u00", out);
                    putc(hex[c >> 4], out);
                    putc(hex[c & 15], out);
                } else {
                    putc(c, out);
                }
            }
            i++;
            continue;
        }
        uint32_t cp;
        int bad;
        size_t n = aws_utf8_decode(s + i, len - i, &cp, &bad);
        if (bad)
            fputs("\\ufffd", out);
        else
            fwrite(s + i, 1, n, out);
        i += n;
    }
    putc('"', out);
}

static void write_key(FILE *out, const msgpack_object *key)
{
    char buf[64];

    switch (key->type) {
    case MSGPACK_OBJECT_STR:
        aws_json_write_string(out, key->via.str.ptr, key->via.str.size);
        return;
    case MSGPACK_OBJECT_BIN:
        aws_json_write_string(out, key->via.bin.ptr, key->via.bin.size);
        return;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        snprintf(buf, sizeof buf, "%" PRIu64, key->via.u64);
        break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        snprintf(buf, sizeof buf, "%" PRId64, key->via.i64);
        break;
    case MSGPACK_OBJECT_BOOLEAN:
        snprintf(buf, sizeof buf, "%s", key->via.boolean ? "true" : "false");
        break;
    case MSGPACK_OBJECT_NIL:
        snprintf(buf, sizeof buf, "null");
        break;
    default:
        /* JSON keys must be strings: a float, array or map key has no
         * faithful rendering, so it is named by its type. */
        snprintf(buf, sizeof buf, "<key of type %d>", (int)key->type);
        break;
    }
    aws_json_write_string(out, buf, strlen(buf));
}

void aws_json_write(FILE *out, const msgpack_object *obj)
{
    switch (obj->type) {
    case MSGPACK_OBJECT_NIL:
        fputs("null", out);
        break;
    case MSGPACK_OBJECT_BOOLEAN:
        fputs(obj->via.boolean ? "true" : "false", out);
        break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        fprintf(out, "%" PRIu64, obj->via.u64);
        break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        fprintf(out, "%" PRId64, obj->via.i64);
        break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        if (isfinite(obj->via.f64))
            fprintf(out, "%.17g", obj->via.f64);
        else
            fputs("null", out);
        break;
    case MSGPACK_OBJECT_STR:
        aws_json_write_string(out, obj->via.str.ptr, obj->via.str.size);
        break;
    case MSGPACK_OBJECT_BIN:
        aws_json_write_string(out, obj->via.bin.ptr, obj->via.bin.size);
        break;
    case MSGPACK_OBJECT_ARRAY:
        putc('[', out);
        for (uint32_t i = 0; i < obj->via.array.size; i++) {
            if (i)
                putc(',', out);
            aws_json_write(out, &obj->via.array.ptr[i]);
        }
        putc(']', out);
        break;
    case MSGPACK_OBJECT_MAP:
        putc('{', out);
        for (uint32_t i = 0; i < obj->via.map.size; i++) {
            if (i)
                putc(',', out);
            write_key(out, &obj->via.map.ptr[i].key);
            putc(':', out);
            aws_json_write(out, &obj->via.map.ptr[i].val);
        }
        putc('}', out);
        break;
    default:
        /* Extension types have no JSON meaning; the daemon sends none. */
        fputs("null", out);
        break;
    }
}
