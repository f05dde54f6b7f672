/* ARM semihosting calls of gmdl's Cortex-M4 test image (tools/mcu/startup.c). */
#ifndef GMDL_MCU_SEMIHOST_H
#define GMDL_MCU_SEMIHOST_H

/* op: 0x01 SYS_OPEN, 0x06 SYS_READ, 0x04 SYS_WRITE0, ...; arg: the operation's block */
long sh_call(long op, const void *arg);
void sh_exit(int code);

#endif
