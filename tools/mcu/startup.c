/* Minimal Cortex-M4 startup for gmdl's test image (QEMU mps2-an386): the vector table (initial
 * stack pointer, reset, faults), the FPU switched on, .data copied from its load address, .bss
 * zeroed, then main; semihosting calls for the harness (open, read, write a string, exit). Built
 * with arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfloat-abi=hard and tools/mcu/mps2_an386.ld. */
#include <stdint.h>

#include "semihost.h"

extern uint32_t __data_load, __data_start, __data_end, __bss_start, __bss_end, __stack_top;
int main(void);
void reset_handler(void);
void fault_handler(void);

__attribute__((section(".vectors"), used)) static const void *const vectors[16] = {
    &__stack_top,
    (const void *)reset_handler,
    (const void *)fault_handler,
    (const void *)fault_handler,
    (const void *)fault_handler,
    (const void *)fault_handler,
    (const void *)fault_handler};

long sh_call(long op, const void *arg) {
    register long r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void sh_exit(int code) {
    /* ADP_Stopped_ApplicationExit with a status: SYS_EXIT's extended form needs a block */
    long block[2] = {0x20026, code};
    sh_call(0x18, code == 0 ? (const void *)0x20026 : (const void *)block);
    for (;;)
        ;
}

void fault_handler(void) {
    sh_call(0x04, "FAULT: hard fault on the Cortex-M4\n");
    sh_exit(3);
}

void reset_handler(void) {
    volatile uint32_t *cpacr = (volatile uint32_t *)0xE000ED88u;
    *cpacr |= 0xFu << 20; /* CP10, CP11: full access to the FPU */
    __asm__ volatile("dsb\n isb" ::: "memory");
    const uint32_t *src = &__data_load;
    for (uint32_t *dst = &__data_start; dst < &__data_end;)
        *dst++ = *src++;
    for (uint32_t *dst = &__bss_start; dst < &__bss_end;)
        *dst++ = 0;
    sh_exit(main());
}
