/* fnsize: the size rule of the house style, checked. Lists every function over --fn-max lines
 * (150) and every file over --file-max lines (700) in the C sources under the given folders, and
 * fails unless the file says why in a comment:
 *     size-ok(function_name): the reason, in words     for one function
 *     size-ok(file): the reason, in words              for the file's length
 * (a reason of at least 10 characters). --list N also prints every function over N lines, as
 * information. --known FILE names oversize functions and files that are being cut and do not fail
 * yet, one "path function" or "path file" a line ('#' starts a comment); an entry that is no longer
 * oversize fails, so the list only shrinks. Ends with "N passed, N failed" (files, plus stale
 * entries of the known list); exit status 1 on a failure.
 *
 * A function is found by brace matching outside comments, strings, character constants and
 * preprocessor lines: a `{` at file level right after a `)` opens a function body, named by the
 * identifier before the first `(` at file level since the last `;` or `}`. Its length counts the
 * lines from that name to the closing `}`. This is the layout of our code (and of clang-format's
 * output); it is not a C parser, and macros that expand to function heads are not seen. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
    char **v;
    size_t n, cap;
} strlist;

typedef struct {
    long fn_max, file_max, list_min;
    int files_ok, files_bad;
    strlist known; /* "path name" entries of --known */
    char *known_used;
} limits;

typedef struct {
    const char *text;
    size_t len, i;
    long line;
} scanner;

static void die(const char *what) {
    perror(what);
    exit(2);
}

static void strlist_add(strlist *l, const char *s) {
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        if (!l->v)
            die("realloc");
    }
    size_t k = strlen(s) + 1;
    l->v[l->n] = malloc(k);
    if (!l->v[l->n])
        die("malloc");
    memcpy(l->v[l->n++], s, k);
}

static int ends_with(const char *s, const char *tail) {
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && strcmp(s + a - b, tail) == 0;
}

static void collect(const char *path, strlist *out) {
    struct stat st;
    if (stat(path, &st) != 0)
        die(path);
    if (!S_ISDIR(st.st_mode)) {
        if (ends_with(path, ".c") || ends_with(path, ".h"))
            strlist_add(out, path);
        return;
    }
    DIR *d = opendir(path);
    if (!d)
        die(path);
    struct dirent *e;
    char sub[4096];
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) >= (int)sizeof sub)
            continue;
        collect(sub, out);
    }
    closedir(d);
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f)
        die(path);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
    }
    if (!buf)
        die("malloc");
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static void read_known(const char *path, limits *lim) {
    FILE *f = fopen(path, "r");
    if (!f)
        die(path);
    char line[1024], file[512], name[256];
    while (fgets(line, sizeof line, f)) {
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        if (sscanf(line, "%511s %255s", file, name) != 2)
            continue;
        snprintf(line, sizeof line, "%s %s", file, name);
        strlist_add(&lim->known, line);
    }
    fclose(f);
    lim->known_used = calloc(lim->known.n + 1, 1);
    if (!lim->known_used)
        die("calloc");
}

/* 1 if "path name" is on the known list (and marks it used). */
static int known(limits *lim, const char *path, const char *name) {
    char key[1024];
    snprintf(key, sizeof key, "%s %s", path, name);
    for (size_t k = 0; k < lim->known.n; k++)
        if (strcmp(lim->known.v[k], key) == 0) {
            lim->known_used[k] = 1;
            return 1;
        }
    return 0;
}

/* The reason given in a "size-ok(name):" comment, or NULL; `len` gets its length. */
static const char *exemption(const char *text, const char *name, int *len) {
    char key[256];
    if (snprintf(key, sizeof key, "size-ok(%s):", name) >= (int)sizeof key)
        return NULL;
    const char *p = strstr(text, key);
    if (!p)
        return NULL;
    p += strlen(key);
    while (*p == ' ')
        p++;
    const char *e = p;
    while (*e && *e != '\n' && strncmp(e, "*/", 2) != 0)
        e++;
    while (e > p && e[-1] == ' ')
        e--;
    *len = (int)(e - p);
    return *len >= 10 ? p : NULL;
}

/* Advances past a comment, string or character constant or preprocessor line starting at s->i
 * and returns 1, or returns 0 if none starts there. */
static int skip_noncode(scanner *s, int line_start) {
    const char *t = s->text;
    size_t i = s->i;
    if (t[i] == '/' && t[i + 1] == '/') {
        while (i < s->len && t[i] != '\n')
            i++;
    } else if (t[i] == '/' && t[i + 1] == '*') {
        for (i += 2; i < s->len && !(t[i] == '*' && t[i + 1] == '/'); i++)
            s->line += t[i] == '\n';
        i += 2;
    } else if (t[i] == '"' || t[i] == '\'') {
        char q = t[i];
        for (i++; i < s->len && t[i] != q && t[i] != '\n'; i++)
            if (t[i] == '\\')
                i++;
        i++;
    } else if (t[i] == '#' && line_start) {
        for (; i < s->len && t[i] != '\n'; i++)
            if (t[i] == '\\' && t[i + 1] == '\n') {
                i++;
                s->line++;
            }
    } else {
        return 0;
    }
    s->i = i > s->len ? s->len : i;
    return 1;
}

static int ident_char(char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static void report_function(const char *path,
                            const char *text,
                            const char *name,
                            long first,
                            long last,
                            limits *lim,
                            int *bad) {
    long n = last - first + 1;
    if (n > lim->fn_max) {
        int rlen = 0;
        const char *why = exemption(text, name, &rlen);
        if (why) {
            printf("allowed %s:%ld: %s is %ld lines (max %ld): %.*s\n", path, first, name, n,
                   lim->fn_max, rlen, why);
        } else if (known(lim, path, name)) {
            printf("known %s:%ld: %s is %ld lines (max %ld)\n", path, first, name, n, lim->fn_max);
        } else {
            printf("FAIL %s:%ld: %s is %ld lines (max %ld; or a size-ok(%s): comment saying why)\n",
                   path, first, name, n, lim->fn_max, name);
            *bad = 1;
        }
    } else if (lim->list_min > 0 && n > lim->list_min) {
        printf("info %s:%ld: %s is %ld lines\n", path, first, name, n);
    }
}

/* Scans one file's functions; returns 1 if one is too long without a reason. */
static int check_functions(const char *path, const char *text, size_t len, limits *lim) {
    scanner s = {text, len, 0, 1};
    int depth = 0, parens = 0, bad = 0, line_start = 1;
    char last = 0, ident[256] = "", name[256] = "";
    long ident_line = 0, name_line = 0, fn_line = 0;
    while (s.i < len) {
        char c = text[s.i];
        if (skip_noncode(&s, line_start))
            continue;
        if (c == '\n') {
            s.line++;
            line_start = 1;
            s.i++;
            continue;
        }
        if (c != ' ' && c != '\t')
            line_start = 0;
        if (ident_char(c) && !(s.i > 0 && ident_char(text[s.i - 1]))) {
            size_t k = 0;
            while (ident_char(text[s.i + k]) && k + 1 < sizeof ident)
                k++;
            memcpy(ident, text + s.i, k);
            ident[k] = '\0';
            ident_line = s.line;
            s.i += k;
            last = 'a';
            continue;
        }
        if (depth == 0 && c == '{' && last == 'a' && strcmp(ident, "extern") == 0) {
            s.i++; /* extern "C" { ... }: its contents are at file level */
            continue;
        }
        if (depth == 0) {
            if (c == '(' && parens++ == 0 && !name[0] && last == 'a' &&
                strcmp(ident, "__attribute__") != 0) {
                memcpy(name, ident, sizeof name);
                name_line = ident_line;
            } else if (c == ')') {
                parens--;
            } else if (c == ';' || c == '}') {
                name[0] = '\0';
            } else if (c == '{' && last == ')' && name[0]) {
                fn_line = name_line;
            }
        }
        if (c == '{') {
            depth++;
        } else if (c == '}' && depth > 0 && --depth == 0) {
            if (fn_line)
                report_function(path, text, name, fn_line, s.line, lim, &bad);
            fn_line = 0;
            name[0] = '\0';
        }
        if (c != ' ' && c != '\t' && c != '\r')
            last = c;
        s.i++;
    }
    return bad;
}

static int check_file(const char *path, limits *lim) {
    size_t len;
    char *text = read_file(path, &len);
    long lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    if (len > 0 && text[len - 1] != '\n')
        lines++;
    int bad = check_functions(path, text, len, lim);
    if (lines > lim->file_max) {
        int rlen = 0;
        const char *why = exemption(text, "file", &rlen);
        if (why) {
            printf("allowed %s: %ld lines (max %ld): %.*s\n", path, lines, lim->file_max, rlen,
                   why);
        } else if (known(lim, path, "file")) {
            printf("known %s: %ld lines (max %ld)\n", path, lines, lim->file_max);
        } else {
            printf("FAIL %s: %ld lines (max %ld; or a size-ok(file): comment saying why)\n", path,
                   lines, lim->file_max);
            bad = 1;
        }
    }
    free(text);
    return bad;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static long number_arg(int argc, char **argv, int *i) {
    char *end;
    if (*i + 1 >= argc)
        return -1;
    long v = strtol(argv[++*i], &end, 10);
    return *end == '\0' && v > 0 ? v : -1;
}

static int stale_known(const limits *lim) {
    int n = 0;
    for (size_t k = 0; k < lim->known.n; k++)
        if (!lim->known_used[k]) {
            printf("FAIL known list: '%s' is within the limits now; delete its line\n",
                   lim->known.v[k]);
            n++;
        }
    return n;
}

int main(int argc, char **argv) {
    limits lim = {150, 700, 0, 0, 0, {NULL, 0, 0}, NULL};
    strlist files = {NULL, 0, 0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--known") == 0 && i + 1 < argc) {
            read_known(argv[++i], &lim);
            continue;
        }
        long *opt = strcmp(argv[i], "--fn-max") == 0     ? &lim.fn_max
                    : strcmp(argv[i], "--file-max") == 0 ? &lim.file_max
                    : strcmp(argv[i], "--list") == 0     ? &lim.list_min
                                                         : NULL;
        if (opt && (*opt = number_arg(argc, argv, &i)) < 0) {
            fprintf(stderr, "fnsize: --fn-max, --file-max and --list take a positive number\n");
            return 2;
        }
        if (!opt)
            collect(argv[i], &files);
    }
    if (files.n == 0) {
        fprintf(stderr, "usage: fnsize [--fn-max N] [--file-max N] [--list N] [--known FILE] "
                        "DIR|FILE...\n");
        return 2;
    }
    qsort(files.v, files.n, sizeof *files.v, cmp_str);
    for (size_t k = 0; k < files.n; k++) {
        if (check_file(files.v[k], &lim))
            lim.files_bad++;
        else
            lim.files_ok++;
        free(files.v[k]);
    }
    free(files.v);
    if (lim.known_used)
        lim.files_bad += stale_known(&lim);
    for (size_t k = 0; k < lim.known.n; k++)
        free(lim.known.v[k]);
    free(lim.known.v);
    free(lim.known_used);
    printf("%d passed, %d failed\n", lim.files_ok, lim.files_bad);
    return lim.files_bad ? 1 : 0;
}
