// SPDX-License-Identifier: GPL-2.0
/*
 * smmctl: reading a debugfs file and walking its lines.
 *
 * A file is read whole (seq_file hands it out in pieces) and then walked
 * one line at a time; every complaint names the file and the line, and
 * quotes the line.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "smmctl.h"

#define SMM_QUOTE_MAX	80	/* characters of a bad line quoted */

/**
 * smm_err() - print "smmctl: " and a message on stderr
 * @fmt: printf format of the message, without the newline
 */
void smm_err(const char *fmt, ...)
{
	va_list ap;

	fputs("smmctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/**
 * smm_grow() - make room for element @n of a growing array
 * @array: the array, or NULL
 * @cap: its capacity in elements, updated
 * @n: the index about to be written
 * @size: size of an element
 *
 * Exits on a failed allocation: smmctl has nothing to fall back on.
 *
 * Return: the array, moved perhaps; new room is zeroed.
 */
void *smm_grow(void *array, int *cap, int n, size_t size)
{
	int ncap;

	if (n < *cap)
		return array;
	ncap = *cap ? *cap * 2 : 8;
	array = realloc(array, (size_t)ncap * size);
	if (!array) {
		smm_err("out of memory");
		exit(SMM_EXIT_ERROR);
	}
	memset((char *)array + (size_t)*cap * size, 0, (size_t)(ncap - *cap) * size);
	*cap = ncap;
	return array;
}

/**
 * smm_text_open_path() - read a file whole
 * @t: the text, set up here
 * @path: the file
 *
 * Return: 0, or -1 after saying why the file cannot be read.
 */
int smm_text_open_path(struct smm_text *t, const char *path)
{
	size_t len = 0, cap = 4096;
	int fd;

	memset(t, 0, sizeof(*t));
	snprintf(t->path, sizeof(t->path), "%s", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		smm_err("%s: %s", path, strerror(errno));
		return -1;
	}
	t->buf = malloc(cap);
	if (!t->buf) {
		close(fd);
		smm_err("out of memory");
		return -1;
	}
	for (;;) {
		ssize_t n;

		if (cap - len < 2) {
			char *nbuf = realloc(t->buf, cap * 2);

			if (!nbuf) {
				close(fd);
				smm_text_close(t);
				smm_err("out of memory");
				return -1;
			}
			t->buf = nbuf;
			cap *= 2;
		}
		n = read(fd, t->buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			smm_err("%s: %s", path, strerror(errno));
			close(fd);
			smm_text_close(t);
			return -1;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	t->buf[len] = '\0';
	if (strlen(t->buf) != len) {
		smm_err("%s: holds a NUL byte: not a text file", path);
		smm_text_close(t);
		return -1;
	}
	t->next = len ? t->buf : NULL;
	return 0;
}

/**
 * smm_text_open() - read one file of a debugfs directory
 * @t: the text, set up here
 * @root: the directory
 * @name: the file's name in it
 *
 * Return: 0, or -1 after saying why the file cannot be read.
 */
int smm_text_open(struct smm_text *t, const char *root, const char *name)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", root, name) >= (int)sizeof(path)) {
		smm_err("%s/%s: path too long", root, name);
		return -1;
	}
	return smm_text_open_path(t, path);
}

/**
 * smm_text_line() - the next line, without its newline
 * @t: the text
 *
 * Return: the line (writable, until smm_text_close()), or NULL at the end.
 */
char *smm_text_line(struct smm_text *t)
{
	char *line = t->next, *nl;

	if (!line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		t->next = nl[1] ? nl + 1 : NULL;
	} else {
		t->next = NULL;
	}
	t->line++;
	t->cur = line;
	return line;
}

/*
 * The start of line @t->line, kept when it was handed out: a parser may
 * have cut any line into fields since (strtok_r() on the CSV header), so
 * counting NULs from the start would land on the wrong line.
 */
static const char *smm_text_current(const struct smm_text *t)
{
	return t->cur ? t->cur : t->buf;
}

static void smm_quote(const char *s)
{
	int n;

	fputs(": \"", stderr);
	for (n = 0; s[n] && n < SMM_QUOTE_MAX; n++)
		fputc(isprint((unsigned char)s[n]) ? s[n] : '?', stderr);
	fputs(s[n] ? "...\"" : "\"", stderr);
}

/**
 * smm_text_err() - complain about the line last handed out
 * @t: the text
 * @fmt: printf format of what is wrong with it
 *
 * Prints "smmctl: FILE:LINE: message: "the line"".
 *
 * Return: -1, for the caller to pass on.
 */
int smm_text_err(const struct smm_text *t, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "smmctl: %s:%d: ", t->path, t->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (t->line > 0)
		smm_quote(smm_text_current(t));
	fputc('\n', stderr);
	return -1;
}

/**
 * smm_text_err_eof() - complain that the file ended too soon
 * @t: the text, walked to its end
 * @fmt: printf format of what is missing
 *
 * Prints "smmctl: FILE:LINE: end of file: message", LINE being the one
 * after the last.
 *
 * Return: -1.
 */
int smm_text_err_eof(const struct smm_text *t, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "smmctl: %s:%d: end of file: ", t->path, t->line + 1);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/**
 * smm_text_close() - free what smm_text_open() read
 * @t: the text
 */
void smm_text_close(struct smm_text *t)
{
	free(t->buf);
	t->buf = NULL;
	t->next = NULL;
}

static void smm_scan_blanks(struct smm_scan *s)
{
	while (*s->p == ' ' || *s->p == '\t')
		s->p++;
}

static bool smm_ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/**
 * smm_scan_word() - take a literal word
 * @s: the cursor
 * @word: e.g. "zone" or "protection:"; a word ending in a letter or digit
 *	must not run on into another one ("min" does not take "minor")
 *
 * Return: whether it was there.
 */
bool smm_scan_word(struct smm_scan *s, const char *word)
{
	size_t len = strlen(word);
	char *p = s->p;

	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, word, len))
		return false;
	if (smm_ident_char(word[len - 1]) && smm_ident_char(p[len]))
		return false;
	s->p = p + len;
	return true;
}

/* strtoull's digits after blanks, base 10 or 16; no sign, no overflow. */
static bool smm_scan_num(struct smm_scan *s, int base, unsigned long long *v)
{
	char *p = s->p, *end;

	while (*p == ' ' || *p == '\t')
		p++;
	if (base == 16 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	if (base == 10 ? !isdigit((unsigned char)*p) : !isxdigit((unsigned char)*p))
		return false;
	errno = 0;
	*v = strtoull(p, &end, base);
	if (errno)
		return false;
	s->p = end;
	return true;
}

/**
 * smm_scan_ull() - take a decimal number
 * @s: the cursor
 * @v: where it goes
 *
 * Return: whether one was there, without sign and without overflow.
 */
bool smm_scan_ull(struct smm_scan *s, unsigned long long *v)
{
	return smm_scan_num(s, 10, v);
}

/**
 * smm_scan_ul() - take a decimal number that fits an unsigned long
 * @s: the cursor
 * @v: where it goes
 *
 * Return: whether one was there.
 */
bool smm_scan_ul(struct smm_scan *s, unsigned long *v)
{
	unsigned long long n;
	char *p = s->p;

	if (!smm_scan_num(s, 10, &n))
		return false;
	if (n > ULONG_MAX) {
		s->p = p;
		return false;
	}
	*v = n;
	return true;
}

/**
 * smm_scan_hex() - take a hexadecimal number, "0x" in front or not
 * @s: the cursor
 * @v: where it goes
 *
 * Return: whether one was there.
 */
bool smm_scan_hex(struct smm_scan *s, unsigned long long *v)
{
	return smm_scan_num(s, 16, v);
}

/**
 * smm_scan_long() - take a decimal number with an optional minus
 * @s: the cursor
 * @v: where it goes
 *
 * Return: whether one was there and fits a long.
 */
bool smm_scan_long(struct smm_scan *s, long *v)
{
	char *p = s->p;
	unsigned long long n;
	bool neg = false;

	smm_scan_blanks(s);
	if (*s->p == '-') {
		neg = true;
		s->p++;
	}
	if (!isdigit((unsigned char)*s->p) || !smm_scan_num(s, 10, &n) ||
	    n > (unsigned long long)LONG_MAX + neg) {
		s->p = p;
		return false;
	}
	*v = neg ? (long)(0 - n) : (long)n;
	return true;
}

/**
 * smm_scan_int() - take a decimal number that fits an int
 * @s: the cursor
 * @v: where it goes
 *
 * Return: whether one was there.
 */
bool smm_scan_int(struct smm_scan *s, int *v)
{
	char *p = s->p;
	long n;

	if (!smm_scan_long(s, &n))
		return false;
	if (n < INT_MIN || n > INT_MAX) {
		s->p = p;
		return false;
	}
	*v = n;
	return true;
}

/**
 * smm_scan_token() - take a run of characters other than blanks
 * @s: the cursor
 * @buf: where it goes, NUL-terminated
 * @size: size of @buf
 *
 * Return: whether there was one and it fits.
 */
bool smm_scan_token(struct smm_scan *s, char *buf, size_t size)
{
	char *p = s->p;
	size_t len;

	while (*p == ' ' || *p == '\t')
		p++;
	len = strcspn(p, " \t");
	if (!len || len >= size)
		return false;
	memcpy(buf, p, len);
	buf[len] = '\0';
	s->p = p + len;
	return true;
}

/**
 * smm_scan_end() - is nothing but blanks left?
 * @s: the cursor
 *
 * Return: whether the line is used up.
 */
bool smm_scan_end(struct smm_scan *s)
{
	smm_scan_blanks(s);
	return *s->p == '\0';
}

/**
 * smm_scan_rest() - what is left of the line after blanks
 * @s: the cursor, moved to the end
 *
 * Return: the rest of the line, possibly empty.
 */
char *smm_scan_rest(struct smm_scan *s)
{
	char *rest;

	smm_scan_blanks(s);
	rest = s->p;
	s->p += strlen(s->p);
	return rest;
}

/**
 * smm_now() - seconds on the monotonic clock
 *
 * Return: the time, for intervals only.
 */
double smm_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}
