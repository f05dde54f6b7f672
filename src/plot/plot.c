/* PNG figures through cairo, loaded at run time (see gmdl/plot.h). Only the handful of cairo
 * functions used here are declared, with the types of cairo 1.x's stable C ABI (cairo.h): opaque
 * pointers, int enums and doubles. The figure owns one ARGB32 image surface; panels are a grid of
 * rectangles with margins for the tick labels. libcairo is loaded once per process and never
 * unloaded: cairo and fontconfig keep process-wide caches that must stay mapped (unloading them
 * turns those caches into leaks and can break other cairo users in the process). Not done here:
 * legends outside panels, colour maps, text layout beyond single lines. */
#include "gmdl/plot.h"

#include <dlfcn.h>
#include <pthread.h>

#include "common.h"

typedef struct {
    double x_bearing, y_bearing, width, height, x_advance, y_advance;
} text_extents;

typedef struct cairo_api {
    void *(*image_surface_create)(int format, int width, int height);
    void *(*create)(void *surface);
    void (*destroy)(void *cr);
    void (*surface_destroy)(void *surface);
    void (*surface_flush)(void *surface);
    int (*surface_write_to_png)(void *surface, const char *path);
    unsigned char *(*image_surface_get_data)(void *surface);
    int (*image_surface_get_stride)(void *surface);
    int (*status)(void *cr);
    void (*set_source_rgba)(void *cr, double r, double g, double b, double a);
    void (*paint)(void *cr);
    void (*rectangle)(void *cr, double x, double y, double w, double h);
    void (*fill)(void *cr);
    void (*stroke)(void *cr);
    void (*move_to)(void *cr, double x, double y);
    void (*line_to)(void *cr, double x, double y);
    void (*arc)(void *cr, double xc, double yc, double r, double a1, double a2);
    void (*set_line_width)(void *cr, double w);
    void (*set_dash)(void *cr, const double *dashes, int n, double offset);
    void (*new_path)(void *cr);
    void (*save)(void *cr);
    void (*restore)(void *cr);
    void (*clip)(void *cr);
    void (*select_font_face)(void *cr, const char *family, int slant, int weight);
    void (*set_font_size)(void *cr, double size);
    void (*show_text)(void *cr, const char *utf8);
    void (*text_extents)(void *cr, const char *utf8, text_extents *ext);
    void (*translate)(void *cr, double x, double y);
    void (*rotate)(void *cr, double angle);
} cairo_api;

struct gmdl_plot {
    void *surface, *cr;
    cairo_api c;
    int width, height, rows, cols;
    /* current panel: pixel rectangle and data ranges (log10 applied when flagged) */
    double px0, py0, pw, ph, x0, x1, y0, y1;
    int flags, have_panel;
};

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* The function table, filled once (pthread_once); read-only afterwards. */
static cairo_api api;
static int api_ok;
static pthread_once_t api_once = PTHREAD_ONCE_INIT;

static void load_once(void) {
    cairo_api a;
    void *dl = dlopen("libcairo.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!dl)
        return;
    struct {
        const char *name;
        void **slot;
    } syms[] = {
        {"cairo_image_surface_create", (void **)&a.image_surface_create},
        {"cairo_create", (void **)&a.create},
        {"cairo_destroy", (void **)&a.destroy},
        {"cairo_surface_destroy", (void **)&a.surface_destroy},
        {"cairo_surface_flush", (void **)&a.surface_flush},
        {"cairo_surface_write_to_png", (void **)&a.surface_write_to_png},
        {"cairo_image_surface_get_data", (void **)&a.image_surface_get_data},
        {"cairo_image_surface_get_stride", (void **)&a.image_surface_get_stride},
        {"cairo_status", (void **)&a.status},
        {"cairo_set_source_rgba", (void **)&a.set_source_rgba},
        {"cairo_paint", (void **)&a.paint},
        {"cairo_rectangle", (void **)&a.rectangle},
        {"cairo_fill", (void **)&a.fill},
        {"cairo_stroke", (void **)&a.stroke},
        {"cairo_move_to", (void **)&a.move_to},
        {"cairo_line_to", (void **)&a.line_to},
        {"cairo_arc", (void **)&a.arc},
        {"cairo_set_line_width", (void **)&a.set_line_width},
        {"cairo_set_dash", (void **)&a.set_dash},
        {"cairo_new_path", (void **)&a.new_path},
        {"cairo_save", (void **)&a.save},
        {"cairo_restore", (void **)&a.restore},
        {"cairo_clip", (void **)&a.clip},
        {"cairo_select_font_face", (void **)&a.select_font_face},
        {"cairo_set_font_size", (void **)&a.set_font_size},
        {"cairo_show_text", (void **)&a.show_text},
        {"cairo_text_extents", (void **)&a.text_extents},
        {"cairo_translate", (void **)&a.translate},
        {"cairo_rotate", (void **)&a.rotate},
    };
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
        void *f = dlsym(dl, syms[i].name);
        if (!f)
            return; /* the handle stays open: harmless, and never reached with a real libcairo */
        memcpy(syms[i].slot, &f, sizeof f); /* object to function pointer, as POSIX allows */
    }
    api = a;
    api_ok = 1;
}

static int load_cairo(gmdl_plot *p) {
    if (pthread_once(&api_once, load_once) != 0 || !api_ok)
        return 0;
    p->c = api;
    return 1;
}

static void rgb(gmdl_plot *p, uint32_t c, double a) {
    p->c.set_source_rgba(p->cr, (double)((c >> 16) & 255) / 255.0, (double)((c >> 8) & 255) / 255.0,
                         (double)(c & 255) / 255.0, a);
}

gmdl_status
gmdl_plot_create(gmdl_plot **out, int width, int height, int rows, int cols, gmdl_err *err) {
    *out = NULL;
    if (width < 50 || height < 50 || width > 16384 || height > 16384 || rows < 1 || cols < 1 ||
        rows > 16 || cols > 16)
        return gmdl__fail(err, GMDL_EINVAL, "plot: bad size %dx%d or grid %dx%d", width, height,
                          rows, cols);
    gmdl_plot *p = gmdl__calloc(1, sizeof *p);
    if (!p)
        return gmdl__fail(err, GMDL_ENOMEM, "plot: out of memory");
    if (!load_cairo(p)) {
        gmdl_plot_destroy(p);
        return gmdl__fail(err, GMDL_EUNSUPPORTED,
                          "plot: cairo (libcairo.so.2, Debian package libcairo2) is not available");
    }
    p->surface = p->c.image_surface_create(0 /* CAIRO_FORMAT_ARGB32 */, width, height);
    p->cr = p->surface ? p->c.create(p->surface) : NULL;
    if (!p->cr || p->c.status(p->cr) != 0) {
        gmdl_plot_destroy(p);
        return gmdl__fail(err, GMDL_ENOMEM, "plot: cannot create a %dx%d image", width, height);
    }
    p->width = width;
    p->height = height;
    p->rows = rows;
    p->cols = cols;
    rgb(p, 0xFFFFFF, 1.0);
    p->c.paint(p->cr);
    p->c.select_font_face(p->cr, "DejaVu Sans", 0, 0);
    *out = p;
    return GMDL_OK;
}

void gmdl_plot_destroy(gmdl_plot *p) {
    if (!p)
        return;
    if (p->cr)
        p->c.destroy(p->cr);
    if (p->surface)
        p->c.surface_destroy(p->surface);
    gmdl__free(p);
}

/* Data to pixel coordinates of the current panel (NAN when not drawable on a log axis). */
static double tx(const gmdl_plot *p, double x) {
    if (p->flags & GMDL_PLOT_LOGX)
        x = x > 0 ? log10(x) : (double)NAN;
    return p->px0 + (x - p->x0) / (p->x1 - p->x0) * p->pw;
}
static double ty(const gmdl_plot *p, double y) {
    if (p->flags & GMDL_PLOT_LOGY)
        y = y > 0 ? log10(y) : (double)NAN;
    return p->py0 + p->ph - (y - p->y0) / (p->y1 - p->y0) * p->ph;
}

static void
text(gmdl_plot *p, double x, double y, const char *s, double size, double ax, double ay) {
    text_extents e;
    p->c.set_font_size(p->cr, size);
    p->c.text_extents(p->cr, s, &e);
    p->c.move_to(p->cr, x - ax * e.x_advance, y + ay * e.height);
    p->c.show_text(p->cr, s);
}

/* Tick positions for [a, b]: a "nice" step of 1, 2 or 5 times a power of ten. */
static double nice_step(double a, double b) {
    double raw = (b - a) / 5.0, mag = pow(10.0, floor(log10(raw))), f = raw / mag;
    return (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0) * mag;
}

static void fmt_tick(char *buf, size_t n, double v, int log_axis) {
    if (log_axis)
        snprintf(buf, n, "1e%d", (int)lround(v));
    else if (fabs(v) < 1e-12)
        snprintf(buf, n, "0");
    else
        snprintf(buf, n, "%.4g", v);
}

gmdl_status gmdl_plot_axes(gmdl_plot *p,
                           int panel,
                           const char *title,
                           const char *xlabel,
                           const char *ylabel,
                           double x0,
                           double x1,
                           double y0,
                           double y1,
                           int flags) {
    if (!p || panel < 0 || panel >= p->rows * p->cols || !isfinite(x0) || !isfinite(x1) ||
        !isfinite(y0) || !isfinite(y1) || !(x0 < x1) || !(y0 < y1) ||
        ((flags & GMDL_PLOT_LOGX) && !(x0 > 0)) || ((flags & GMDL_PLOT_LOGY) && !(y0 > 0)))
        return GMDL_EINVAL;
    double cw = (double)p->width / p->cols, ch = (double)p->height / p->rows;
    double ox = (panel % p->cols) * cw, oy = (panel / p->cols) * ch;
    p->px0 = ox + 70;
    p->py0 = oy + 30;
    p->pw = cw - 90;
    p->ph = ch - 75;
    p->flags = flags;
    p->x0 = flags & GMDL_PLOT_LOGX ? log10(x0) : x0;
    p->x1 = flags & GMDL_PLOT_LOGX ? log10(x1) : x1;
    p->y0 = flags & GMDL_PLOT_LOGY ? log10(y0) : y0;
    p->y1 = flags & GMDL_PLOT_LOGY ? log10(y1) : y1;
    p->have_panel = 1;
    void *cr = p->cr;
    p->c.set_dash(cr, NULL, 0, 0);
    p->c.set_line_width(cr, 1.0);
    rgb(p, 0x000000, 1.0);
    p->c.rectangle(cr, p->px0, p->py0, p->pw, p->ph);
    p->c.stroke(cr);
    char buf[32];
    for (int axis = 0; axis < 2; axis++) {
        double a = axis ? p->y0 : p->x0, b = axis ? p->y1 : p->x1;
        int lg = axis ? (flags & GMDL_PLOT_LOGY) != 0 : (flags & GMDL_PLOT_LOGX) != 0;
        double st = lg ? fmax(1.0, floor((b - a) / 5.0)) : nice_step(a, b);
        for (double v = ceil(a / st - 1e-9) * st; v <= b + 1e-9 * st; v += st) {
            fmt_tick(buf, sizeof buf, v, lg);
            rgb(p, 0x000000, 1.0);
            if (axis == 0) {
                double x = p->px0 + (v - a) / (b - a) * p->pw;
                p->c.move_to(cr, x, p->py0 + p->ph);
                p->c.line_to(cr, x, p->py0 + p->ph + 5);
                p->c.stroke(cr);
                text(p, x, p->py0 + p->ph + 8, buf, 11, 0.5, 1.0);
            } else {
                double y = p->py0 + p->ph - (v - a) / (b - a) * p->ph;
                p->c.move_to(cr, p->px0 - 5, y);
                p->c.line_to(cr, p->px0, y);
                p->c.stroke(cr);
                text(p, p->px0 - 8, y, buf, 11, 1.0, 0.5);
            }
        }
    }
    rgb(p, 0x000000, 1.0);
    if (title)
        text(p, p->px0 + p->pw / 2, oy + 8, title, 13, 0.5, 1.0);
    if (xlabel)
        text(p, p->px0 + p->pw / 2, p->py0 + p->ph + 26, xlabel, 12, 0.5, 1.0);
    if (ylabel) {
        p->c.save(cr);
        p->c.translate(cr, ox + 14, p->py0 + p->ph / 2);
        p->c.rotate(cr, -M_PI / 2);
        text(p, 0, 0, ylabel, 12, 0.5, 0.5);
        p->c.restore(cr);
    }
    return GMDL_OK;
}

static void clip_panel(gmdl_plot *p) {
    p->c.save(p->cr);
    p->c.new_path(p->cr);
    p->c.rectangle(p->cr, p->px0, p->py0, p->pw, p->ph);
    p->c.clip(p->cr);
}

void gmdl_plot_line(gmdl_plot *p,
                    const double *x,
                    const double *y,
                    size_t n,
                    uint32_t c,
                    double width,
                    int dashed) {
    if (!p || !p->have_panel || n == 0)
        return;
    clip_panel(p);
    const double dash[2] = {6.0, 4.0};
    p->c.set_dash(p->cr, dashed ? dash : NULL, dashed ? 2 : 0, 0);
    p->c.set_line_width(p->cr, width);
    rgb(p, c, 1.0);
    p->c.new_path(p->cr);
    int pen = 0;
    for (size_t i = 0; i < n; i++) {
        double X = tx(p, x[i]), Y = ty(p, y[i]);
        if (!isfinite(X) || !isfinite(Y)) {
            pen = 0;
            continue;
        }
        if (pen)
            p->c.line_to(p->cr, X, Y);
        else
            p->c.move_to(p->cr, X, Y);
        pen = 1;
    }
    p->c.stroke(p->cr);
    p->c.set_dash(p->cr, NULL, 0, 0);
    p->c.restore(p->cr);
}

void gmdl_plot_points(gmdl_plot *p,
                      const double *x,
                      const double *y,
                      size_t n,
                      uint32_t c,
                      double alpha,
                      double radius) {
    if (!p || !p->have_panel)
        return;
    clip_panel(p);
    rgb(p, c, alpha);
    for (size_t i = 0; i < n; i++) {
        double X = tx(p, x[i]), Y = ty(p, y[i]);
        if (!isfinite(X) || !isfinite(Y))
            continue;
        p->c.new_path(p->cr);
        p->c.arc(p->cr, X, Y, radius, 0, 2 * M_PI);
        p->c.fill(p->cr);
    }
    p->c.restore(p->cr);
}

/* Marching squares over the cell-centre samples; the two saddle cases take the pairing given by
 * the average of the corners. */
void gmdl_plot_contour(
    gmdl_plot *p, const double *z, size_t nx, size_t ny, double level, uint32_t c, double width) {
    if (!p || !p->have_panel || nx < 2 || ny < 2 || (p->flags & (GMDL_PLOT_LOGX | GMDL_PLOT_LOGY)))
        return;
    clip_panel(p);
    rgb(p, c, 1.0);
    p->c.set_line_width(p->cr, width);
    double hx = (p->x1 - p->x0) / (double)nx, hy = (p->y1 - p->y0) / (double)ny;
    for (size_t i = 0; i + 1 < nx; i++) {
        for (size_t j = 0; j + 1 < ny; j++) {
            /* corners: a (i,j) b (i+1,j) c (i+1,j+1) d (i,j+1) */
            double v[4] = {z[i * ny + j], z[(i + 1) * ny + j], z[(i + 1) * ny + j + 1],
                           z[i * ny + j + 1]};
            double cx[4] = {(double)i, (double)i + 1, (double)i + 1, (double)i};
            double cy[4] = {(double)j, (double)j, (double)j + 1, (double)j + 1};
            int code = 0;
            for (int k = 0; k < 4; k++)
                code |= (v[k] > level) << k;
            if (code == 0 || code == 15)
                continue;
            /* crossing points on the 4 edges (edge k joins corner k and k+1) */
            double ex[4], ey[4];
            int has[4];
            for (int k = 0; k < 4; k++) {
                int k2 = (k + 1) % 4;
                has[k] = (v[k] > level) != (v[k2] > level);
                if (has[k]) {
                    double t = (level - v[k]) / (v[k2] - v[k]);
                    ex[k] = cx[k] + t * (cx[k2] - cx[k]);
                    ey[k] = cy[k] + t * (cy[k2] - cy[k]);
                }
            }
            int e[4], ne = 0;
            for (int k = 0; k < 4; k++)
                if (has[k])
                    e[ne++] = k;
            int pairs[2][2] = {{e[0], e[1]}, {-1, -1}};
            if (ne == 4) {
                double mid = 0.25 * (v[0] + v[1] + v[2] + v[3]);
                int centre_high = mid > level, c0_high = v[0] > level;
                if (centre_high == c0_high) {
                    pairs[0][0] = 0;
                    pairs[0][1] = 1;
                    pairs[1][0] = 2;
                    pairs[1][1] = 3;
                } else {
                    pairs[0][0] = 0;
                    pairs[0][1] = 3;
                    pairs[1][0] = 1;
                    pairs[1][1] = 2;
                }
            }
            for (int s = 0; s < 2 && pairs[s][0] >= 0; s++) {
                int a = pairs[s][0], b = pairs[s][1];
                double xa = p->x0 + (ex[a] + 0.5) * hx, ya = p->y0 + (ey[a] + 0.5) * hy;
                double xb = p->x0 + (ex[b] + 0.5) * hx, yb = p->y0 + (ey[b] + 0.5) * hy;
                p->c.new_path(p->cr);
                p->c.move_to(p->cr, tx(p, xa), ty(p, ya));
                p->c.line_to(p->cr, tx(p, xb), ty(p, yb));
                p->c.stroke(p->cr);
            }
        }
    }
    p->c.restore(p->cr);
}

void gmdl_plot_legend(gmdl_plot *p, const char *const *labels, const uint32_t *c, size_t n) {
    if (!p || !p->have_panel || n == 0)
        return;
    double x = p->px0 + p->pw - 150, y = p->py0 + 10;
    rgb(p, 0xFFFFFF, 0.85);
    p->c.rectangle(p->cr, x - 6, y - 4, 150, 18.0 * (double)n + 8);
    p->c.fill(p->cr);
    for (size_t i = 0; i < n; i++) {
        rgb(p, c[i], 1.0);
        p->c.set_line_width(p->cr, 3);
        p->c.move_to(p->cr, x, y + 9 + 18.0 * (double)i);
        p->c.line_to(p->cr, x + 22, y + 9 + 18.0 * (double)i);
        p->c.stroke(p->cr);
        rgb(p, 0x000000, 1.0);
        text(p, x + 28, y + 9 + 18.0 * (double)i, labels[i], 11, 0.0, 0.5);
    }
}

gmdl_status gmdl_plot_save_png(gmdl_plot *p, const char *path, gmdl_err *err) {
    if (!p || !path)
        return gmdl__fail(err, GMDL_EINVAL, "plot: NULL argument");
    p->c.surface_flush(p->surface);
    if (p->c.surface_write_to_png(p->surface, path) != 0)
        return gmdl__fail(err, GMDL_EIO, "%s: cannot write the PNG file", path);
    return GMDL_OK;
}

gmdl_status gmdl_plot_pixel_at(uint32_t *out, gmdl_plot *p, double x, double y) {
    if (!p || !p->have_panel || !out)
        return GMDL_EINVAL;
    double X = tx(p, x), Y = ty(p, y);
    if (!(X >= 0 && X < p->width && Y >= 0 && Y < p->height))
        return GMDL_EINVAL;
    p->c.surface_flush(p->surface);
    const unsigned char *d = p->c.image_surface_get_data(p->surface);
    int stride = p->c.image_surface_get_stride(p->surface);
    uint32_t px;
    memcpy(&px, d + (size_t)Y * (size_t)stride + 4 * (size_t)X, 4); /* native-endian ARGB32 */
    *out = px & 0xFFFFFF;
    return GMDL_OK;
}
