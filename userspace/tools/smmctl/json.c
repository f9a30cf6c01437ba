// SPDX-License-Identifier: GPL-2.0
/*
 * smmctl: a JSON writer, one value at a time.
 *
 * Objects and arrays nest up to SMM_JSON_DEPTH; a value inside an object
 * has a key, one inside an array has none (NULL).  Strings are escaped as
 * RFC 8259 asks: quote, backslash and control characters; bytes that are
 * not UTF-8 (a file name may hold any) become U+FFFD, so the output is
 * always valid JSON.
 */
#include <math.h>
#include <string.h>

#include "smmctl.h"

/**
 * smm_json_start() - begin a document
 * @j: the writer
 * @f: where it goes
 * @pretty: two-space indented lines, or all on one line
 */
void smm_json_start(struct smm_json *j, FILE *f, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->pretty = pretty;
	j->first[0] = true;
}

/**
 * smm_json_finish() - end the document with a newline
 * @j: the writer, every object and array closed
 */
void smm_json_finish(struct smm_json *j)
{
	fputc('\n', j->f);
	fflush(j->f);
}

static void smm_json_indent(struct smm_json *j)
{
	int i;

	if (!j->pretty)
		return;
	fputc('\n', j->f);
	for (i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* The length of the valid UTF-8 sequence at @s, 0 when it is not one. */
static int smm_utf8_len(const unsigned char *s)
{
	unsigned int c = s[0], cp;
	int len, i;

	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	cp = c & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and beyond U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/**
 * smm_json_escape() - write a string as a quoted JSON string
 * @f: where
 * @s: the string, any bytes
 */
void smm_json_escape(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	while (*p) {
		int len;

		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				fprintf(f, "\\u%04x", *p);
			} else if (*p < 0x80) {
				fputc(*p, f);
			} else {
				len = smm_utf8_len(p);
				if (!len) {
					fputs("\\ufffd", f);
					break;
				}
				fwrite(p, 1, len, f);
				p += len;
				continue;
			}
		}
		p++;
	}
	fputc('"', f);
}

/* Comma, newline and indent, and the key when inside an object. */
static void smm_json_key(struct smm_json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (j->depth)
		smm_json_indent(j);
	if (key) {
		smm_json_escape(j->f, key);
		fputs(j->pretty ? ": " : ":", j->f);
	}
}

static void smm_json_open(struct smm_json *j, const char *key, char c)
{
	smm_json_key(j, key);
	fputc(c, j->f);
	if (j->depth + 1 < SMM_JSON_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void smm_json_close(struct smm_json *j, char c)
{
	bool empty = j->first[j->depth];

	j->depth--;
	if (!empty)
		smm_json_indent(j);
	fputc(c, j->f);
}

/**
 * smm_json_object() - open an object
 * @j: the writer
 * @key: its key, NULL inside an array or at the top
 */
void smm_json_object(struct smm_json *j, const char *key)
{
	smm_json_open(j, key, '{');
}

/**
 * smm_json_array() - open an array
 * @j: the writer
 * @key: its key, NULL inside an array or at the top
 */
void smm_json_array(struct smm_json *j, const char *key)
{
	smm_json_open(j, key, '[');
}

/**
 * smm_json_end_object() - close the object opened last
 * @j: the writer
 */
void smm_json_end_object(struct smm_json *j)
{
	smm_json_close(j, '}');
}

/**
 * smm_json_end_array() - close the array opened last
 * @j: the writer
 */
void smm_json_end_array(struct smm_json *j)
{
	smm_json_close(j, ']');
}

/**
 * smm_json_string() - a string value
 * @j: the writer
 * @key: its key, or NULL
 * @s: the string; NULL writes null
 */
void smm_json_string(struct smm_json *j, const char *key, const char *s)
{
	smm_json_key(j, key);
	if (s)
		smm_json_escape(j->f, s);
	else
		fputs("null", j->f);
}

/**
 * smm_json_uint() - an unsigned integer
 * @j: the writer
 * @key: its key, or NULL
 * @v: the value
 */
void smm_json_uint(struct smm_json *j, const char *key, unsigned long long v)
{
	smm_json_key(j, key);
	fprintf(j->f, "%llu", v);
}

/**
 * smm_json_int() - a signed integer
 * @j: the writer
 * @key: its key, or NULL
 * @v: the value
 */
void smm_json_int(struct smm_json *j, const char *key, long long v)
{
	smm_json_key(j, key);
	fprintf(j->f, "%lld", v);
}

/**
 * smm_json_bool() - true or false
 * @j: the writer
 * @key: its key, or NULL
 * @v: the value
 */
void smm_json_bool(struct smm_json *j, const char *key, bool v)
{
	smm_json_key(j, key);
	fputs(v ? "true" : "false", j->f);
}

/**
 * smm_json_null() - null: a value not known
 * @j: the writer
 * @key: its key, or NULL
 */
void smm_json_null(struct smm_json *j, const char *key)
{
	smm_json_key(j, key);
	fputs("null", j->f);
}

/**
 * smm_json_milli() - a number given in thousandths, as -1.000 or 0.123
 * @j: the writer
 * @key: its key, or NULL
 * @milli: the value times 1000
 */
void smm_json_milli(struct smm_json *j, const char *key, long milli)
{
	unsigned long a = milli < 0 ? 0UL - milli : (unsigned long)milli;

	smm_json_key(j, key);
	fprintf(j->f, "%s%lu.%03lu", milli < 0 ? "-" : "", a / 1000, a % 1000);
}

/**
 * smm_json_real() - a fractional number
 * @j: the writer
 * @key: its key, or NULL
 * @v: the value; not finite writes null
 * @decimals: digits after the point
 */
void smm_json_real(struct smm_json *j, const char *key, double v, int decimals)
{
	smm_json_key(j, key);
	if (isfinite(v))
		fprintf(j->f, "%.*f", decimals, v);
	else
		fputs("null", j->f);
}
