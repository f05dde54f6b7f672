/* gmdl plotting: small PNG figures (line plots, scatter plots, contours, log axes) drawn with
 * cairo. A figure is a grid of panels; each panel has its own data ranges, axes, ticks and labels.
 *
 * cairo is loaded at run time (dlopen of libcairo.so.2, Debian package libcairo2), so the library
 * neither links nor needs the development headers; without cairo, gmdl_plot_create returns
 * GMDL_EUNSUPPORTED and everything else in gmdl works. Colours are 0xRRGGBB. Text uses the
 * "DejaVu Sans" face through cairo's toy font API.
 * Threads: cairo is loaded once per process (pthread_once); a figure is drawn by one thread at a
 * time, and different figures may be drawn by different threads at once. */
#ifndef GMDL_PLOT_H
#define GMDL_PLOT_H

#include "gmdl/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gmdl_plot gmdl_plot;

enum { GMDL_PLOT_LOGX = 1, GMDL_PLOT_LOGY = 2 };

/* A white width x height pixel figure with rows x cols panels (row-major panel numbers).
 * Statuses: EINVAL (sizes), EUNSUPPORTED (libcairo.so.2 not found), ENOMEM. */
GMDL_API GMDL_NODISCARD gmdl_status
gmdl_plot_create(gmdl_plot **out, int width, int height, int rows, int cols, gmdl_err *err);
GMDL_API void gmdl_plot_destroy(gmdl_plot *p);

/* Makes PANEL current with data ranges [x0, x1] x [y0, y1] (log10 scale with the LOGX / LOGY
 * flags; ranges must then be positive) and draws its frame, ticks, tick labels, axis labels and
 * title (any text may be NULL). Statuses: EINVAL (panel out of range, empty or non-finite range).
 */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_plot_axes(gmdl_plot *p,
                                                   int panel,
                                                   const char *title,
                                                   const char *xlabel,
                                                   const char *ylabel,
                                                   double x0,
                                                   double x1,
                                                   double y0,
                                                   double y1,
                                                   int flags);
/* Polyline through (x[i], y[i]) in the current panel, clipped to it; a non-finite point (or a
 * non-positive one on a log axis) breaks the line. dashed: 0 or 1. */
GMDL_API void gmdl_plot_line(gmdl_plot *p,
                             const double *x,
                             const double *y,
                             size_t n,
                             uint32_t rgb,
                             double width,
                             int dashed);
/* Filled circles of radius (pixels) and opacity alpha at (x[i], y[i]). */
GMDL_API void gmdl_plot_points(gmdl_plot *p,
                               const double *x,
                               const double *y,
                               size_t n,
                               uint32_t rgb,
                               double alpha,
                               double radius);
/* The LEVEL contour (marching squares) of z[i * ny + j], sampled at the centres of an nx x ny grid
 * of cells covering the current panel's data range. */
GMDL_API void gmdl_plot_contour(
    gmdl_plot *p, const double *z, size_t nx, size_t ny, double level, uint32_t rgb, double width);
/* A legend box in the current panel's top right corner. */
GMDL_API void
gmdl_plot_legend(gmdl_plot *p, const char *const *labels, const uint32_t *rgb, size_t n);
/* Writes the figure as PNG. Statuses: EIO (cannot write). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_plot_save_png(gmdl_plot *p,
                                                       const char *path,
                                                       gmdl_err *err);
/* Colour 0xRRGGBB of the pixel at data point (x, y) of the current panel (tests). Statuses:
 * EINVAL (outside the figure). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_plot_pixel_at(uint32_t *rgb,
                                                       gmdl_plot *p,
                                                       double x,
                                                       double y);

#ifdef __cplusplus
}
#endif
#endif
