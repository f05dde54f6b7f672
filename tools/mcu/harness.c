/* Cortex-M4 harness of an exported net (gmdl export, name gmdl_net), run on QEMU's mps2-an386
 * with semihosting: reads N raw images (gmdl_net_INPUTS bytes each) from the host file
 * "images.bin", runs gmdl_net_predict_u8 on each and writes one line per image,
 * "index pred q0 .. q{K-1}" with q = round(probability x 1e7), then "stack BYTES" (the most
 * stack one predict call used, measured by painting) and exits 0. */
#include <stdint.h>

#include "gmdl_net.h"
#include "semihost.h"

#define PAINT      0xA5u
#define PAINT_SIZE 16384

static uint8_t img[gmdl_net_INPUTS];
static float probs[gmdl_net_CLASSES];
static char line[32 + 12 * gmdl_net_CLASSES];

static char *put_int(char *p, long v) {
    char t[12];
    int n = 0;
    if (v < 0) {
        *p++ = '-';
        v = -v;
    }
    do
        t[n++] = (char)('0' + v % 10);
    while ((v /= 10) > 0);
    while (n)
        *p++ = t[--n];
    return p;
}

static void say(const char *s) {
    sh_call(0x04, s);
}

static uintptr_t stack_pointer(void) {
    uintptr_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

/* Paints PAINT_SIZE bytes of stack below top (96 bytes under this call's own frame). */
static __attribute__((noinline)) void paint(uintptr_t top) {
    for (uintptr_t a = top - PAINT_SIZE; a < top - 96; a++)
        *(volatile uint8_t *)a = PAINT;
}

/* Bytes below top written since paint(top): the deepest stack since. */
static long used(uintptr_t top) {
    uintptr_t a = top - PAINT_SIZE;
    while (a < top - 96 && *(volatile uint8_t *)a == PAINT)
        a++;
    return (long)(top - a);
}

int main(void) {
    long fd, n = 0, stack = 0;
    long open_args[3] = {(long)"images.bin", 1 /* "rb" */, 10};
    fd = sh_call(0x01, open_args);
    if (fd < 0) {
        say("cannot open images.bin\n");
        return 1;
    }
    for (;;) {
        long read_args[3] = {fd, (long)img, gmdl_net_INPUTS};
        if (sh_call(0x06, read_args) != 0) /* the number of bytes NOT read */
            break;
        uintptr_t top = stack_pointer();
        paint(top);
        int pred = gmdl_net_predict_u8(img, probs);
        long u = used(top);
        stack = u > stack ? u : stack;
        char *p = put_int(line, n++);
        *p++ = ' ';
        p = put_int(p, pred);
        for (int k = 0; k < gmdl_net_CLASSES; k++) {
            *p++ = ' ';
            p = put_int(p, (long)(probs[k] * 1e7f + 0.5f));
        }
        *p++ = '\n';
        *p = 0;
        say(line);
    }
    char *p = put_int(line, stack);
    *p++ = '\n';
    *p = 0;
    say("stack ");
    say(line);
    return n > 0 ? 0 : 1;
}
