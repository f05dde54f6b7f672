/* cpu_level LEVEL: exit status 0 if this CPU can run code built for LEVEL (x86-64, x86-64-v2,
 * x86-64-v3 or x86-64-v4), decided as GCC's target_clones resolver decides it; 1 if it cannot;
 * 2 on a bad argument. tools/test.sh uses it to skip a kernel clone the CPU cannot run. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: cpu_level x86-64|x86-64-v2|x86-64-v3|x86-64-v4\n");
        return 2;
    }
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (strcmp(argv[1], "x86-64") == 0)
        return 0;
    if (strcmp(argv[1], "x86-64-v2") == 0)
        return !__builtin_cpu_supports("x86-64-v2");
    if (strcmp(argv[1], "x86-64-v3") == 0)
        return !__builtin_cpu_supports("x86-64-v3");
    if (strcmp(argv[1], "x86-64-v4") == 0)
        return !__builtin_cpu_supports("x86-64-v4");
#endif
    fprintf(stderr, "cpu_level: %s is not an x86-64 level of this machine\n", argv[1]);
    return 2;
}
