/* Plotting through cairo: a figure with two panels (linear and log axes), lines, points, a contour
 * of a known function and a legend, written to PNG. Checks the data-to-pixel mapping by reading
 * back pixel colours, the contour's position (a circle of radius 1 crosses the x axis at +-1), the
 * PNG signature, and the error statuses. Requires libcairo.so.2 (Debian libcairo2). */
#include <unistd.h>

#include "gmdl/plot.h"
#include "harness.h"

/* LeakSanitizer hook (sanitizer builds only): fontconfig, which cairo loads to draw text, keeps a
 * few allocations it never frees at exit; they are not gmdl's. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) {
    return "leak:libfontconfig.so\n";
}
const char *__lsan_default_options(void);
const char *__lsan_default_options(void) {
    return "print_suppressions=0";
}

/* Colours near WANT (each channel within 0x60): antialiased line pixels are partly blended. */
static int near(uint32_t c, uint32_t want) {
    for (int sh = 0; sh < 24; sh += 8) {
        int a = (int)((c >> sh) & 255), b = (int)((want >> sh) & 255);
        if (abs(a - b) > 0x60)
            return 0;
    }
    return 1;
}

int main(void) {
    gmdl_plot *p;
    gmdl_err e = {{0}};
    CHECK_STATUS(gmdl_plot_create(&p, 10, 10, 1, 1, &e), GMDL_EINVAL);
    gmdl_status s = gmdl_plot_create(&p, 800, 400, 1, 2, &e);
    CHECK_OK(s);
    if (s != GMDL_OK) {
        fprintf(stderr, "%s\n", e.msg);
        TEST_MAIN_END();
    }
    CHECK_STATUS(gmdl_plot_axes(p, 2, NULL, NULL, NULL, 0, 1, 0, 1, 0), GMDL_EINVAL);
    CHECK_STATUS(gmdl_plot_axes(p, 0, NULL, NULL, NULL, 1, 1, 0, 1, 0), GMDL_EINVAL);
    CHECK_STATUS(gmdl_plot_axes(p, 0, NULL, NULL, NULL, 0, 1, 0, 1, GMDL_PLOT_LOGX), GMDL_EINVAL);

    /* Panel 0: contour of x^2 + y^2 at level 1 over [-2, 2]^2 (200 x 200 cell centres). */
    CHECK_OK(gmdl_plot_axes(p, 0, "circle", "x", "y", -2, 2, -2, 2, 0));
    static double z[200 * 200];
    for (int i = 0; i < 200; i++)
        for (int j = 0; j < 200; j++) {
            double x = -2 + (i + 0.5) * 0.02, y = -2 + (j + 0.5) * 0.02;
            z[i * 200 + j] = x * x + y * y;
        }
    gmdl_plot_contour(p, z, 200, 200, 1.0, 0xFF0000, 3.0);
    uint32_t c;
    CHECK_OK(gmdl_plot_pixel_at(&c, p, 1.0, 0.0));
    CHECK(near(c, 0xFF0000));
    CHECK_OK(gmdl_plot_pixel_at(&c, p, 0.0, -1.0));
    CHECK(near(c, 0xFF0000));
    CHECK_OK(gmdl_plot_pixel_at(&c, p, 0.5, 0.0)); /* inside: background */
    CHECK_EQ(c, 0xFFFFFF);
    CHECK_OK(gmdl_plot_pixel_at(&c, p, 1.5, 1.5)); /* outside */
    CHECK_EQ(c, 0xFFFFFF);
    const double px[1] = {-1.5}, py[1] = {1.5};
    gmdl_plot_points(p, px, py, 1, 0x0000FF, 1.0, 4.0);
    CHECK_OK(gmdl_plot_pixel_at(&c, p, -1.5, 1.5));
    CHECK(near(c, 0x0000FF));

    /* Panel 1: log-log line y = x from 1e-3 to 1; a non-positive point breaks the line. */
    CHECK_OK(gmdl_plot_axes(p, 1, "log-log", "step", "risk", 1e-3, 1, 1e-3, 1,
                            GMDL_PLOT_LOGX | GMDL_PLOT_LOGY));
    const double lx[4] = {1e-3, 1e-2, 0, 1}, ly[4] = {1e-3, 1e-2, 0.5, 1};
    gmdl_plot_line(p, lx, ly, 2, 0x00AA00, 4.0, 0);
    CHECK_OK(gmdl_plot_pixel_at(&c, p, sqrt(1e-5), sqrt(1e-5))); /* on the segment, log midpoint */
    CHECK(near(c, 0x00AA00));
    gmdl_plot_line(p, lx, ly, 4, 0x00AA00, 4.0, 1);
    CHECK_OK(gmdl_plot_pixel_at(&c, p, 0.1, 0.1)); /* the broken part is not drawn */
    CHECK_EQ(c, 0xFFFFFF);
    const char *labels[2] = {"risk", "bias^2"};
    const uint32_t cols[2] = {0x00AA00, 0xFF0000};
    gmdl_plot_legend(p, labels, cols, 2);

    char path[256];
    snprintf(path, sizeof path, "/tmp/gmdl_test_plot_%d.png", (int)getpid());
    CHECK_OK(gmdl_plot_save_png(p, path, &e));
    FILE *f = fopen(path, "rb");
    unsigned char sig[8] = {0};
    long size = 0;
    if (f) {
        CHECK_EQ(fread(sig, 1, 8, f), 8);
        fseek(f, 0, SEEK_END);
        size = ftell(f);
        fclose(f);
    }
    CHECK(memcmp(sig, "\x89PNG\r\n\x1a\n", 8) == 0);
    CHECK(size > 2000);
    remove(path);
    CHECK_STATUS(gmdl_plot_save_png(p, "/nonexistent/dir/x.png", &e), GMDL_EIO);
    gmdl_plot_destroy(p);
    TEST_MAIN_END();
}
